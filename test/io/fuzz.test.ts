import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildActorCritic } from '../../src/agents/networks.js';
import { buildTrainConfig, trainFlagsSchema } from '../../src/cli/trainCommand.js';
import { assignTensors, loadSafetensors, saveSafetensors } from '../../src/io/safetensors.js';
import { Rng } from '../../src/util/rng.js';
import { networkSpec } from '../../src/presets.js';
import { readCheckpoint, writeCheckpoint } from '../../src/train/checkpoint.js';
import { loadRunConfig } from '../../src/train/evaluate.js';
import { trainConfigSchema } from '../../src/config.js';
import { randomArray } from '../helpers.js';

/*
 * Fuzzing the files a user hands us: hundreds of mutations (truncation, bit flips, overwritten
 * ranges, random bytes, edited length fields) of a valid checkpoint, weights file and
 * config.json. Each must be refused with a one-line error naming the file, quickly, or (for
 * mutations that keep the content, like header whitespace) load to exactly the original.
 */

const CASES = 300;
const config = buildTrainConfig('cartpole', trainFlagsSchema.parse({ workers: 2, seed: 3 }));
const net = buildActorCritic(networkSpec(config, 2), 1, undefined, 'js');
const layout = net.tensors();
const count = net.paramCount;

function mutate(original: Buffer, rng: Rng, k: number): Buffer {
  const b = Buffer.from(original);
  switch (k % 6) {
    case 0: return b.subarray(0, rng.int(0, b.length - 1)); // truncated
    case 1: { // a few bit flips anywhere
      const flips = rng.int(1, 8);
      for (let i = 0; i < flips; i++) b[rng.int(0, b.length - 1)] ^= 1 << rng.int(0, 7);
      return b;
    }
    case 2: { // one bit flip in the first 600 bytes: length field and JSON header
      b[rng.int(0, Math.min(600, b.length) - 1)] ^= 1 << rng.int(0, 7);
      return b;
    }
    case 3: { // a range overwritten with random bytes
      const start = rng.int(0, b.length - 1), end = Math.min(b.length, start + rng.int(1, 64));
      for (let i = start; i < end; i++) b[i] = rng.int(0, 255);
      return b;
    }
    case 4: return Buffer.from(Array.from({ length: rng.int(0, 2000) }, () => rng.int(0, 255))); // random file
    default: { // the header length field set to something else
      if (b.length >= 8) b.writeBigUInt64LE(BigInt(rng.int(0, 2 ** 31)) * BigInt(rng.int(1, 3) === 3 ? 2 ** 20 : 1), 0);
      return b;
    }
  }
}

function assertCleanRefusal(fn: () => unknown, path: string, accept: (result: unknown) => boolean, label: string): 'refused' | 'accepted' {
  const started = performance.now();
  let outcome: 'refused' | 'accepted';
  try {
    const result = fn();
    assert.ok(accept(result), `${label}: a mutated file loaded with different content`);
    outcome = 'accepted';
  } catch (error) {
    assert.ok(error instanceof Error, `${label}: threw a non-Error`);
    assert.ok(!error.message.includes('\n'), `${label}: multi-line message: ${error.message}`);
    assert.ok(error.message.includes(path), `${label}: message does not name the file: ${error.message}`);
    assert.ok(!(error instanceof TypeError) && !(error instanceof RangeError), `${label}: crashed with ${error.name}: ${error.message}`);
    outcome = 'refused';
  }
  assert.ok(performance.now() - started < 2000, `${label}: took ${performance.now() - started} ms`);
  return outcome;
}

test(`${CASES} mutated checkpoints are each refused cleanly or load unchanged`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-fuzz-ckpt-'));
  const rng = new Rng(11);
  const state = { globalSteps: 5, episodes: 2, updates: 1, skippedUpdates: 0, optimizerStep: 1, scoreAverage: 1, scoreMax: 2, workerRestarts: 0, seconds: 1, segment: 1, recentReturns: [1, 2] };
  const original = readCheckpoint(writeCheckpoint(dir, layout, { config, state, params: randomArray(count, rng), moment1: randomArray(count, rng), moment2: randomArray(count, rng) }, 1), () => layout);
  const bytes = readFileSync(original.path);
  const tally = { refused: 0, accepted: 0 };
  for (let k = 0; k < CASES; k++) {
    const path = join(dir, `mutant-${k}.safetensors`);
    writeFileSync(path, mutate(bytes, rng, k));
    tally[assertCleanRefusal(() => readCheckpoint(path, () => layout), path, (c) => {
      const r = c as typeof original;
      return JSON.stringify(r.state) === JSON.stringify(original.state) && JSON.stringify(r.config) === JSON.stringify(original.config)
        && Buffer.from(r.params.buffer).equals(Buffer.from(original.params.buffer)) && Buffer.from(r.moment2.buffer).equals(Buffer.from(original.moment2.buffer));
    }, `checkpoint mutant ${k}`)]++;
  }
  console.log(`checkpoints: ${tally.refused} refused, ${tally.accepted} loaded unchanged`);
  assert.ok(tally.refused > CASES * 0.9);
});

test(`${CASES} mutated weights files are each refused cleanly or load unchanged`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-fuzz-weights-'));
  const rng = new Rng(12);
  const params = randomArray(count, rng);
  const good = join(dir, 'model.safetensors');
  saveSafetensors(good, layout, params, { format: 'a3c-weights/1' });
  const bytes = readFileSync(good);
  for (let k = 0; k < CASES; k++) {
    const path = join(dir, `mutant-${k}.safetensors`);
    writeFileSync(path, mutate(bytes, rng, k));
    const target = new Float32Array(count);
    assertCleanRefusal(() => { assignTensors(path, loadSafetensors(path), layout, target); return target; }, path,
      (t) => Buffer.from((t as Float32Array).buffer).equals(Buffer.from(params.buffer)), `weights mutant ${k}`);
  }
});

test(`${CASES} mutated config.json files are refused cleanly or parse to a valid config`, () => {
  const root = mkdtempSync(join(tmpdir(), 'a3c-fuzz-config-'));
  const rng = new Rng(13);
  const text = Buffer.from(JSON.stringify(config, null, 2) + '\n');
  let refused = 0;
  for (let k = 0; k < CASES; k++) {
    const dir = join(root, `run-${k}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), k % 6 === 5 ? text.subarray(0, rng.int(0, text.length)) : mutate(text, rng, k));
    // A flipped digit can still be a valid config (no checksum in a hand-editable file): then it must pass the schema.
    if (assertCleanRefusal(() => loadRunConfig(dir), join(dir, 'config.json'), (c) => trainConfigSchema.safeParse(c).success, `config mutant ${k}`) === 'refused') refused++;
  }
  assert.ok(refused > CASES * 0.8, `refused ${refused}`);
});

test('the CLI refuses damaged run files with one line and exit status 1', () => {
  const cli = fileURLToPath(new URL('../../../bin/a3c.js', import.meta.url));
  const root = mkdtempSync(join(tmpdir(), 'a3c-fuzz-cli-'));
  const rng = new Rng(14);
  const dir = join(root, 'run');
  mkdirSync(dir);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  saveSafetensors(join(dir, 'model.safetensors'), layout, randomArray(count, rng));
  const weights = readFileSync(join(dir, 'model.safetensors'));
  for (let k = 0; k < 6; k++) {
    writeFileSync(join(dir, 'model.safetensors'), mutate(weights, rng, k === 4 ? 4 : k % 4));
    const r = spawnSync(process.execPath, [cli, 'eval', dir, '--episodes', '1'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 1, `mutant ${k}: ${r.stderr}`);
    assert.match(r.stderr, /^a3c: (cannot read weights file|weights file) .*model\.safetensors.*\n$/);
  }
  writeFileSync(join(dir, 'model.safetensors'), weights);
  writeFileSync(join(dir, 'config.json'), '{"env": "cartpole", "workers": -1');
  const r = spawnSync(process.execPath, [cli, 'eval', dir], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^a3c: .*config\.json is not valid JSON \(truncated or corrupt\)\n$/);
});
