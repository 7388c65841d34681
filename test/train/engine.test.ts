import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTrainConfig, trainFlagsSchema } from '../../src/cli/trainCommand.js';
import { train } from '../../src/presetEngine.js';
import { listCheckpoints } from '../../src/train/checkpoint.js';
import { buildActorCritic } from '../../src/agents/networks.js';
import { networkSpec } from '../../src/presets.js';
import { forEachEpisodeRecord, type MetricsRecord } from '../../src/metrics/records.js';

function config(overrides: Record<string, unknown>) {
  return buildTrainConfig('cartpole', trainFlagsSchema.parse({ targetReturn: 'none', ...overrides }));
}

test('with one worker a run is bit-for-bit reproducible from its seed', async () => {
  const runs = [];
  for (let i = 0; i < 2; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'a3c-repro-'));
    await train(config({ workers: 1, seed: 7, steps: 3000 }), dir);
    runs.push({ weights: readFileSync(join(dir, 'model.safetensors')), metrics: readFileSync(join(dir, 'metrics.jsonl'), 'utf8') });
  }
  // Episode records only: scalars and evaluations are taken on the coordinator's clock.
  const strip = (m: string) => m.trim().split('\n').map((l) => JSON.parse(l)).filter((o) => o.kind === 'episode').map((o) => { delete o.wall_time; return JSON.stringify(o); });
  assert.ok(strip(runs[0].metrics).length > 10);
  assert.deepEqual(strip(runs[0].metrics), strip(runs[1].metrics));
  assert.ok(runs[0].weights.equals(runs[1].weights), 'weights differ between identical runs');
  const other = mkdtempSync(join(tmpdir(), 'a3c-repro-'));
  await train(config({ workers: 1, seed: 8, steps: 3000 }), other);
  assert.ok(!readFileSync(join(other, 'model.safetensors')).equals(runs[0].weights), 'another seed must differ');
});

// Two asynchronous workers do not replay a seed exactly (their interleaving depends on the
// machine's load), and A3C on CartPole oscillates: under load, 1 run in 40 learned (mean of 100
// up to 467) but ended in a dip (last 20 episodes: 84). So this asserts the peak of the mean of
// 100, which an unlearned policy (~20) or a collapsed one (173, the worst of 120 runs, another
// seed) does not reach.
test('two workers learn CartPole: the mean return of 100 episodes reaches >= 300 (seed 1)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-cartpole-'));
  const summary = await train(config({ workers: 2, seed: 1, steps: 1_500_000, targetReturn: 475 }), dir);
  const episodes: MetricsRecord[] = [];
  forEachEpisodeRecord(join(dir, 'metrics.jsonl'), (e) => episodes.push(e));
  const returnOf = (e: MetricsRecord) => e.values['charts/episode_return'];
  let window = 0, peak = 0;
  episodes.forEach((e, i) => {
    window += returnOf(e) - (i >= 100 ? returnOf(episodes[i - 100]) : 0);
    if (i >= 99) peak = Math.max(peak, window / 100);
  });
  assert.ok(peak >= 300, `best mean of 100 episodes ${peak} in ${summary.globalSteps} steps (${episodes.length} episodes)`);
  assert.deepEqual(new Set(episodes.map((e) => e.worker)), new Set([0, 1]), 'both workers played');
  for (const key of ['step', 'wall_time', 'worker', 'episode']) assert.ok(key in episodes[0], key);
  for (const key of ['charts/episode_return', 'charts/episode_length']) assert.ok(key in episodes[0].values, key);
});

test('abort stops the workers promptly and still writes the weights', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-abort-'));
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 300);
  const started = performance.now();
  const summary = await train(config({ workers: 2, seed: 2 }), dir, { signal: controller.signal });
  assert.ok(performance.now() - started < 5000);
  assert.equal(summary.stopReason, 'interrupted');
  assert.ok(readFileSync(join(dir, 'model.safetensors')).length > 1000);
});

test('training with the wasm kernels matches the TypeScript reference kernels on a fixed seed', async () => {
  const weights = [];
  for (const kernels of ['js', 'wasm']) {
    const dir = mkdtempSync(join(tmpdir(), `a3c-kernels-${kernels}-`));
    await train(config({ workers: 1, seed: 5, steps: 600, kernels }), dir);
    const bytes = readFileSync(join(dir, 'model.safetensors'));
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const data = bytes.subarray(8 + headerLength);
    weights.push(new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)));
  }
  const initial = buildActorCritic(networkSpec({ env: 'cartpole', net: 'mlp' }, 2), 1, undefined, 'js');
  initial.initialize(5);
  let maxDiff = 0, changed = 0;
  for (let i = 0; i < weights[0].length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(weights[0][i] - weights[1][i]));
    if (Math.abs(weights[0][i] - initial.params[i]) > 1e-6) changed++;
  }
  assert.ok(changed > 1000, `the weights were trained (${changed} changed)`);
  assert.ok(maxDiff < 1e-4, `max weight difference after 600 steps: ${maxDiff}`);
});

test('checkpoints and weights are written periodically while training runs, keeping the newest K', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-save-'));
  let seenWhileRunning = false;
  const written: string[] = [];
  await train(config({ workers: 1, seed: 3, time: 2.2, checkpointEvery: 0.4, keepCheckpoints: 2 }), dir, {
    onTick: (p) => { if (p.seconds < 1.8 && existsSync(join(dir, 'model.safetensors'))) seenWhileRunning = true; },
    onCheckpoint: (path) => written.push(path),
  });
  assert.ok(seenWhileRunning, 'model.safetensors existed before the run ended');
  assert.ok(written.length >= 4, `checkpoints written: ${written.length}`);
  assert.deepEqual(listCheckpoints(dir), written.slice(-2), 'only the newest two are kept');
});
