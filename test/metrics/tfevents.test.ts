import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TfEventsWriter } from '../../src/metrics/tfevents.js';
import { buildTrainConfig, trainFlagsSchema } from '../../src/cli/trainCommand.js';
import { train } from '../../src/train/coordinator.js';

/*
 * An independent reader for TensorBoard event files: its own bitwise CRC-32C and its own
 * protobuf wire-format parser (no shared code with the writer), so the test fails if the
 * writer's framing, checksums or field numbers are wrong.
 */

function crc32cBitwise(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function masked(data: Uint8Array): number {
  const crc = crc32cBitwise(data);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

interface DecodedEvent { wallTime: number; step: number; fileVersion?: string; values: Map<string, number> }

function readRecords(bytes: Buffer): Buffer[] {
  const records: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    assert.ok(at + 12 <= bytes.length, 'record header fits');
    const length = Number(bytes.readBigUInt64LE(at));
    assert.equal(bytes.readUInt32LE(at + 8), masked(bytes.subarray(at, at + 8)), `length CRC of record ${records.length}`);
    const data = bytes.subarray(at + 12, at + 12 + length);
    assert.equal(bytes.readUInt32LE(at + 12 + length), masked(data), `data CRC of record ${records.length}`);
    records.push(data);
    at += 12 + length + 4;
  }
  assert.equal(at, bytes.length, 'no trailing bytes');
  return records;
}

/** Minimal protobuf reader: yields [field, wireType, value] where value is a number, bigint or bytes. */
function* fields(buf: Uint8Array): Generator<[number, number, number | bigint | Uint8Array]> {
  let at = 0;
  const varint = (): bigint => {
    let result = 0n, shift = 0n;
    for (;;) {
      const b = buf[at++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
    }
  };
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  while (at < buf.length) {
    const key = Number(varint());
    const field = key >>> 3, wire = key & 7;
    if (wire === 0) yield [field, wire, varint()];
    else if (wire === 1) { yield [field, wire, view.getFloat64(at, true)]; at += 8; }
    else if (wire === 5) { yield [field, wire, view.getFloat32(at, true)]; at += 4; }
    else if (wire === 2) { const n = Number(varint()); yield [field, wire, buf.subarray(at, at + n)]; at += n; }
    else throw new Error(`unexpected wire type ${wire}`);
  }
}

function decodeEvent(data: Uint8Array): DecodedEvent {
  const event: DecodedEvent = { wallTime: NaN, step: 0, values: new Map() };
  for (const [field, , value] of fields(data)) {
    if (field === 1) event.wallTime = value as number;
    else if (field === 2) event.step = Number(value as bigint);
    else if (field === 3) event.fileVersion = Buffer.from(value as Uint8Array).toString('utf8');
    else if (field === 5) {
      for (const [f, , v] of fields(value as Uint8Array)) {
        assert.equal(f, 1, 'Summary has only values');
        let tag = '', simple = NaN;
        for (const [g, , w] of fields(v as Uint8Array)) {
          if (g === 1) tag = Buffer.from(w as Uint8Array).toString('utf8');
          else if (g === 2) simple = w as number;
        }
        event.values.set(tag, simple);
      }
    }
  }
  return event;
}

function readEventFile(dir: string): DecodedEvent[] {
  const names = readdirSync(dir).filter((n) => n.startsWith('events.out.tfevents.'));
  assert.equal(names.length, 1, `one event file in ${dir}: ${names.join(', ')}`);
  return readRecords(readFileSync(join(dir, names[0]))).map(decodeEvent);
}

test('event files carry the file version first, then scalar summaries, every CRC valid', () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-tb-'));
  const writer = new TfEventsWriter(dir, 1_700_000_000.25);
  writer.scalars(0, 1.5, { 'charts/episode_return': 3, 'losses/value': -0.125 });
  writer.scalars(123_456_789_012, 2.75, { 'perf/steps_per_second': 1234.5, 'losses/policy': NaN });
  writer.close();
  const events = readEventFile(dir);
  assert.equal(events.length, 3);
  assert.equal(events[0].fileVersion, 'brain.Event:2');
  assert.equal(events[0].wallTime, 1_700_000_000.25);
  assert.deepEqual([...events[1].values], [['charts/episode_return', 3], ['losses/value', -0.125]]);
  assert.equal(events[1].wallTime, 1.5);
  assert.equal(events[2].step, 123_456_789_012, 'int64 steps beyond 2^32 survive');
  assert.equal(events[2].values.get('perf/steps_per_second'), 1234.5);
  assert.ok(Number.isNaN(events[2].values.get('losses/policy')), 'NaN is recorded, not dropped');
});

test('a training run logs every episode to TensorBoard with the values of metrics.jsonl', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-tb-run-'));
  await train(buildTrainConfig('cartpole', trainFlagsSchema.parse({ workers: 1, seed: 4, steps: 6000, targetReturn: 'none' })), dir);
  const episodes = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const logged = readEventFile(dir).filter((e) => e.values.has('charts/episode_return'));
  assert.ok(episodes.length > 50);
  assert.equal(logged.length, episodes.length);
  logged.forEach((event, i) => {
    assert.equal(event.step, episodes[i].step);
    assert.equal(event.values.get('charts/episode_return'), episodes[i].return);
    assert.equal(event.values.get('charts/episode_length'), episodes[i].length);
    assert.ok(Math.abs(event.values.get('charts/mean_max_prob')! - episodes[i].mean_max_prob) < 1e-4);
    for (const tag of ['losses/policy', 'losses/value', 'losses/entropy', 'charts/score_average']) assert.ok(event.values.has(tag), tag);
  });
});
