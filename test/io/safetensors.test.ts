import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assignTensors, loadSafetensors, saveSafetensors } from '../../src/io/safetensors.js';
import { buildActorCritic, mlpNet } from '../../src/agents/networks.js';

test('weights round-trip through the safetensors layout with aligned data and metadata', () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-st-'));
  const net = buildActorCritic(mlpNet(4, 2, [8]), 1);
  net.initialize(1);
  const path = join(dir, 'w.safetensors');
  saveSafetensors(path, net.tensors(), net.params, { note: 'hello' });
  assert.deepEqual(readdirSync(dir), ['w.safetensors'], 'no temp file left behind');
  const bytes = readFileSync(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  assert.equal((8 + headerLength) % 8, 0);
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString());
  assert.deepEqual(header['fc1.kernel'], { dtype: 'F32', shape: [4, 8], data_offsets: [0, 128] });
  assert.equal(header.__metadata__.note, 'hello');
  const loaded = loadSafetensors(path);
  const copy = buildActorCritic(mlpNet(4, 2, [8]), 1);
  assignTensors(path, loaded, copy.tensors(), copy.params);
  assert.deepEqual(copy.params, net.params);
});

test('truncated, garbage and mismatched weight files are refused with the file name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-st-'));
  const net = buildActorCritic(mlpNet(4, 2, [8]), 1);
  const path = join(dir, 'w.safetensors');
  saveSafetensors(path, net.tensors(), net.params);
  const bytes = readFileSync(path);
  const truncated = join(dir, 'truncated.safetensors');
  writeFileSync(truncated, bytes.subarray(0, bytes.length - 10));
  assert.throws(() => loadSafetensors(truncated), /truncated\.safetensors.*truncated/);
  const garbage = join(dir, 'garbage.safetensors');
  writeFileSync(garbage, Buffer.from('this is not a weights file at all'));
  assert.throws(() => loadSafetensors(garbage), /garbage\.safetensors is not a valid safetensors file/);
  assert.throws(() => loadSafetensors(join(dir, 'missing.safetensors')), /cannot read weights file .*missing.*ENOENT/);
  const other = buildActorCritic(mlpNet(4, 2, [16]), 1);
  assert.throws(() => assignTensors(path, loadSafetensors(path), other.tensors(), other.params), /fc1.kernel has shape 4x8, the network needs 4x16/);
});
