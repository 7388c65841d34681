import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { crc32c } from '../../src/io/crc32c.js';

const dir = mkdtempSync(join(tmpdir(), 'a3c-st-edge-'));

/** A safetensors file as another tool may write it: the exact header bytes, no padding. */
function handWritten(name: string, header: string, data: Float32Array): string {
  const headerBytes = Buffer.from(header, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.length));
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([prefix, headerBytes, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
  return path;
}

test('a hand-written file whose header ends exactly at its last brace (no padding) loads', () => {
  const header = '{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}';
  assert.notEqual(header.length % 8, 0, 'the header must not happen to be aligned');
  const path = handWritten('unpadded.safetensors', header, Float32Array.from([1.5, -2, 3.25]));
  const loaded = loadSafetensors(path);
  assert.deepEqual([...loaded.tensors.get('w')!.data], [1.5, -2, 3.25]);
  assert.deepEqual(loaded.tensors.get('w')!.shape, [3]);
});

test('an unpadded header with metadata and our checksum loads, and the checksum covers the last data byte', () => {
  const data = Float32Array.from([0.5, 7, -1]);
  const entries = { w: { dtype: 'F32', shape: [1, 3], data_offsets: [0, 12] } };
  const canonical = JSON.stringify({ __metadata__: { note: 'hi' }, ...entries });
  const bytes = new Uint8Array(data.buffer);
  const sum = crc32c(bytes, crc32c(Buffer.from(canonical, 'utf8'))).toString(16).padStart(8, '0');
  const header = JSON.stringify({ __metadata__: { note: 'hi', crc32c: sum }, ...entries });
  const path = handWritten('unpadded-checksummed.safetensors', header, data);
  const loaded = loadSafetensors(path);
  assert.equal(loaded.metadata.note, 'hi');
  assert.deepEqual([...loaded.tensors.get('w')!.data], [0.5, 7, -1]);
  const flipped = readFileSync(path);
  flipped[flipped.length - 1] ^= 0x01;
  writeFileSync(path, flipped);
  assert.throws(() => loadSafetensors(path), /unpadded-checksummed\.safetensors is not a valid safetensors file: checksum mismatch/);
});

test('flipping any one of the last four data bytes (or the first) of a written file is refused as corrupt', () => {
  const path = join(dir, 'written.safetensors');
  writeSafetensors(path, [
    { name: 'a', shape: [5], data: Float32Array.from([1, 2, 3, 4, 5]) },
    { name: 'b', shape: [2, 2], data: Float32Array.from([-1, -2, -3, -4]) },
  ], { note: 'x' });
  const original = readFileSync(path);
  const dataStart = 8 + Number(original.readBigUInt64LE(0));
  assert.equal(original.length - dataStart, 36);
  assert.deepEqual([...loadSafetensors(path).tensors.get('b')!.data], [-1, -2, -3, -4]);
  for (const at of [dataStart, original.length - 4, original.length - 3, original.length - 2, original.length - 1]) {
    const bytes = Buffer.from(original);
    bytes[at] ^= 0x01; // one bit: the file still parses, only the checksum can tell
    const variant = join(dir, `flipped-${at}.safetensors`);
    writeFileSync(variant, bytes);
    assert.throws(() => loadSafetensors(variant), /checksum mismatch/, `byte ${at - dataStart} of the data`);
  }
});

test('a tensor of another dtype is refused by name, not read as float32', () => {
  const header = '{"h":{"dtype":"F16","shape":[6],"data_offsets":[0,12]}}';
  const path = handWritten('f16.safetensors', header, Float32Array.from([1, 2, 3]));
  assert.throws(() => loadSafetensors(path), /f16\.safetensors is not a valid safetensors file: tensor h has dtype F16, expected F32/);
});
