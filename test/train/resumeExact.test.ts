import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildActorCritic } from '../../src/agents/networks.js';
import { loadSafetensors } from '../../src/io/safetensors.js';
import { networkSpec } from '../../src/presets.js';
import { readCheckpoint, type Checkpoint } from '../../src/train/checkpoint.js';
import { chaos } from '../../src/train/chaos.js';
import { train } from '../../src/presetEngine.js';
import { cartpoleConfig } from '../helpers.js';

const layoutFor = (config: Parameters<typeof networkSpec>[0]) => buildActorCritic(networkSpec(config, 2), 1, undefined, 'js').tensors();
const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function assertSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let differing = 0;
  for (let i = 0; i < actual.length; i++) if (!Object.is(actual[i], expected[i])) differing++;
  assert.ok(bytesOf(actual).equals(bytesOf(expected)), `${what}: ${differing} of ${expected.length} values differ from the checkpoint`);
}

test('a resume that trains no further step writes back the checkpoint\'s weights, Adam moments and counters bit for bit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-resume-exact-'));
  // A few NaN gradients make skipped updates, so that counter is non-zero too.
  const first = await train(cartpoleConfig({ workers: 1, seed: 4, maxSteps: 1500 }), dir, { faults: chaos({ nanGradient: 0.05, seed: 1 }) });
  const saved: Checkpoint = readCheckpoint(first.checkpointPath, layoutFor);
  // The state being restored must be one a fresh run could not produce by accident.
  const s = saved.state;
  assert.ok(s.updates > 50 && s.skippedUpdates > 0 && s.episodes > 10 && s.optimizerStep === s.updates && s.scoreMax > 0, JSON.stringify(s));
  assert.ok(saved.moment2.some((v) => v > 0) && saved.moment1.some((v) => v !== 0), 'Adam moments were accumulated');

  // Stopped before the worker's first rollout: nothing may change but the segment and the clock.
  const stopNow = new AbortController();
  stopNow.abort();
  const resumed = await train({ ...saved.config, maxSteps: null, maxSeconds: null }, dir, { resumeFrom: saved, signal: stopNow.signal });
  assert.equal(resumed.globalSteps, saved.state.globalSteps, 'no step was trained');
  const after = readCheckpoint(resumed.checkpointPath, layoutFor);
  assertSameBits(after.params, saved.params, 'weights');
  assertSameBits(after.moment1, saved.moment1, 'Adam first moment');
  assertSameBits(after.moment2, saved.moment2, 'Adam second moment');
  const { segment, seconds, ...counters } = after.state;
  const { segment: savedSegment, seconds: savedSeconds, ...savedCounters } = saved.state;
  assert.deepEqual(counters, savedCounters, 'steps, episodes, updates, optimizer step, score averages, restarts, recent returns');
  assert.equal(segment, savedSegment + 1);
  assert.ok(seconds >= savedSeconds);
  assert.equal(resumed.updates, saved.state.updates);
  assert.equal(resumed.episodes, saved.state.episodes);

  const weights = loadSafetensors(join(dir, 'model.safetensors'));
  for (const t of layoutFor(saved.config)) {
    assertSameBits(weights.tensors.get(t.name)!.data, saved.params.subarray(t.offset, t.offset + t.length), `model.safetensors ${t.name}`);
  }
  assert.equal(JSON.parse(weights.metadata.counters).updates, saved.state.updates);
  assert.ok(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').length === saved.state.episodes, 'metrics keep every checkpointed episode');
});
