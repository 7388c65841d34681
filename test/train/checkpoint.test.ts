import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildActorCritic } from '../../src/agents/networks.js';
import { buildTrainConfig, trainFlagsSchema } from '../../src/cli/trainCommand.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/safetensors.js';
import { Rng } from '../../src/util/rng.js';
import { networkSpec } from '../../src/presets.js';
import { checkpointPath, listCheckpoints, readCheckpoint, readLatestCheckpoint, writeCheckpoint, type CheckpointState } from '../../src/train/checkpoint.js';
import { randomArray } from '../helpers.js';
import { truncateMetrics } from '../../src/metrics/sinks.js';

const config = buildTrainConfig('cartpole', trainFlagsSchema.parse({ workers: 2, seed: 9 }));
const layout = buildActorCritic(networkSpec(config, 2), 1, undefined, 'js').tensors();
const layoutFor = () => layout;
const count = layout.reduce((n, t) => n + t.length, 0);

function sample(steps: number) {
  const rng = new Rng(steps);
  const state: CheckpointState = {
    globalSteps: steps, episodes: 17, updates: 400, skippedUpdates: 1, optimizerStep: 401,
    scoreAverage: 12.5, scoreMax: 80, workerRestarts: 0, seconds: 3.25, segment: 2, recentReturns: [1, 2, 3],
  };
  return { config, state, params: randomArray(count, rng), moment1: randomArray(count, rng), moment2: randomArray(count, rng, 0.01) };
}

test('a checkpoint round-trips weights, optimizer moments, counters and config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-ckpt-'));
  const written = sample(1234);
  const path = writeCheckpoint(dir, layout, written, 3);
  assert.equal(path, checkpointPath(dir, 1234));
  const read = readCheckpoint(path, layoutFor);
  assert.deepEqual(read.params, written.params);
  assert.deepEqual(read.moment1, written.moment1);
  assert.deepEqual(read.moment2, written.moment2);
  assert.deepEqual(read.state, written.state);
  assert.deepEqual(read.config, config);
  // The weights keep their plain names, so the file is also a weights file for other tools.
  const plain = loadSafetensors(path);
  assert.deepEqual(plain.tensors.get(layout[0].name)!.data, written.params.subarray(0, layout[0].length));
  assert.ok(plain.tensors.has(`optimizer.moment1.${layout[0].name}`));
});

test('only the newest K checkpoints are kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-ckpt-keep-'));
  for (const steps of [10, 2000, 30, 400000]) writeCheckpoint(dir, layout, sample(steps), 2);
  assert.deepEqual(listCheckpoints(dir), [checkpointPath(dir, 2000), checkpointPath(dir, 400000)]);
});

test('truncated, bit-flipped and foreign checkpoints are refused with the file name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-ckpt-bad-'));
  const good = writeCheckpoint(dir, layout, sample(50), 5);
  const bytes = readFileSync(good);
  const headerEnd = 8 + Number(bytes.readBigUInt64LE(0));
  const variant = (name: string, mutate: (b: Buffer) => Buffer): string => {
    const path = join(dir, name);
    writeFileSync(path, mutate(Buffer.from(bytes)));
    return path;
  };
  const truncated = variant('truncated', (b) => b.subarray(0, b.length - 100));
  assert.throws(() => readCheckpoint(truncated, layoutFor), /checkpoint .*truncated is not a valid safetensors file: .*truncated/);
  const flipped = variant('flipped', (b) => { b[headerEnd + 1000] ^= 0x10; return b; });
  assert.throws(() => readCheckpoint(flipped, layoutFor), /checkpoint .*flipped is not a valid safetensors file: checksum mismatch/);
  const header = variant('header', (b) => { b[20] ^= 0x40; return b; });
  assert.throws(() => readCheckpoint(header, layoutFor), /checkpoint .*header (is not a valid safetensors file|is unusable)/);
  const wrongShape = layout.map((t, i) => (i === 0 ? { ...t, shape: [t.shape[0] + 1, ...t.shape.slice(1)] } : t));
  assert.throws(() => readCheckpoint(good, () => wrongShape), /checkpoint .* is unusable: tensor .* has shape .* the network needs/);
  const weightsOnly = join(dir, 'model.safetensors');
  saveSafetensors(weightsOnly, layout, sample(1).params, { format: 'a3c-weights/1' });
  assert.throws(() => readCheckpoint(weightsOnly, layoutFor), /checkpoint .*model.safetensors is unusable: format is "a3c-weights\/1", expected a3c-checkpoint\/1/);
});

test('a damaged newest checkpoint names itself and the older one to fall back to', () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-ckpt-latest-'));
  writeCheckpoint(dir, layout, sample(100), 5);
  const newest = writeCheckpoint(dir, layout, sample(200), 5);
  assert.equal(readLatestCheckpoint(dir, layoutFor).state.globalSteps, 200);
  writeFileSync(newest, readFileSync(newest).subarray(0, 1000));
  assert.throws(() => readLatestCheckpoint(dir, layoutFor), /ckpt-000000000200\.safetensors is not a valid .*; delete it to resume from .*ckpt-000000000100\.safetensors/);
  assert.throws(() => readLatestCheckpoint(mkdtempSync(join(tmpdir(), 'a3c-empty-')), layoutFor), /no checkpoint in .*checkpoints: nothing to resume/);
});

test('resume truncation keeps episodes by number: one ending at the checkpoint\'s step but after its snapshot is dropped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-truncate-'));
  // The checkpoint saw 3 episodes and 300 steps; episode 4 ended right after the snapshot with no step in between.
  const lines = [[1, 100], [2, 200], [3, 300], [4, 300], [5, 340]].map(([episode, step]) => JSON.stringify({ step, episode, return: 1 }));
  writeFileSync(join(dir, 'metrics.jsonl'), lines.join('\n') + '\n{"step":3');
  assert.equal(truncateMetrics(dir, 3), 3, 'episodes 4, 5 and the torn line are dropped');
  assert.deepEqual(readFileSync(join(dir, 'metrics.jsonl'), 'utf8'), lines.slice(0, 3).join('\n') + '\n');
});
