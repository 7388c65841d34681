import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TfEventsWriter } from '../../src/metrics/tfevents.js';
import { buildTrainConfig, trainFlagsSchema } from '../../src/cli/trainCommand.js';
import { train } from '../../src/presetEngine.js';

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
        let tag = '', simple = 0; // proto3 leaves a 0 out: TensorBoard reads the default
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
  writer.scalars(123_456_789_012, 2.75, { 'perf/steps_per_second': 1234.5, 'losses/policy_gradient': NaN });
  writer.close();
  const events = readEventFile(dir);
  assert.equal(events.length, 3);
  assert.equal(events[0].fileVersion, 'brain.Event:2');
  assert.equal(events[0].wallTime, 1_700_000_000.25);
  assert.deepEqual([...events[1].values], [['charts/episode_return', 3], ['losses/value', -0.125]]);
  assert.equal(events[1].wallTime, 1.5);
  assert.equal(events[2].step, 123_456_789_012, 'int64 steps beyond 2^32 survive');
  assert.equal(events[2].values.get('perf/steps_per_second'), 1234.5);
  assert.ok(Number.isNaN(events[2].values.get('losses/policy_gradient')), 'NaN is recorded, not dropped');
});

test('every record of a run reaches metrics.jsonl and TensorBoard with the same keys, steps and values', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-tb-run-'));
  // 5 s of training: periodic scalars come every 5 s, evaluations every second here.
  await train(buildTrainConfig('cartpole', trainFlagsSchema.parse({ workers: 1, seed: 4, time: 5.5, targetReturn: 'none', evalEvery: 1, evalEpisodes: 2 })), dir);
  const records = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const events = readEventFile(dir).slice(1); // after the file version
  const kinds = new Set(records.map((r) => r.kind));
  assert.deepEqual([...kinds].sort(), ['episode', 'eval', 'scalars'], 'episodes, periodic scalars and evaluations all reach metrics.jsonl');
  assert.equal(events.length, records.length, 'one event per record');
  records.forEach((record, i) => {
    const event = events[i];
    assert.equal(event.step, record.step);
    assert.deepEqual([...event.values.keys()], Object.keys(record.values), `record ${i} (${record.kind}): same keys in the same order`);
    for (const [key, value] of Object.entries(record.values) as [string, number][]) {
      const logged = event.values.get(key)!;
      assert.ok(Math.abs(logged - value) <= 1e-6 * Math.max(1, Math.abs(value)), `${key}: ${logged} in TensorBoard, ${value} in metrics.jsonl`);
    }
  });
  const episode = records.find((r) => r.kind === 'episode');
  // The reference's three tags, and the losses with the entropy apart from the policy gradient.
  for (const key of ['charts/episode_return', 'charts/episode_length', 'charts/mean_max_prob', 'losses/policy_gradient', 'losses/value', 'losses/entropy', 'charts/score_average', 'charts/mean_return_100']) {
    assert.ok(key in episode.values, key);
  }
  assert.ok(!('losses/policy' in episode.values), 'the old actor loss (policy gradient plus entropy term) is no longer logged');
  const evaluation = records.find((r) => r.kind === 'eval');
  for (const key of ['eval/mean_return', 'eval/std_return', 'eval/episodes']) assert.ok(key in evaluation.values, key);
  const scalars = records.find((r) => r.kind === 'scalars');
  for (const key of ['perf/steps_per_second', 'perf/updates_per_second', 'charts/learning_rate']) assert.ok(key in scalars.values, key);
});
