import { hostname } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { crc32c } from '../io/crc32c.js';
import { AppendFile } from './appendFile.js';

/**
 * TensorBoard event files: a sequence of TFRecords (uint64 length, masked CRC-32C of the
 * length, an `Event` protobuf, masked CRC-32C of the data), the first carrying the file
 * version, the rest scalar summaries. The messages are the subset of TensorFlow's
 * event.proto and summary.proto that scalars use, with TensorFlow's field numbers.
 */
const root = protobuf.parse(`
  syntax = "proto3";
  message Event {
    double wall_time = 1;
    int64 step = 2;
    oneof what {
      string file_version = 3;
      Summary summary = 5;
    }
  }
  message Summary {
    message Value {
      string tag = 1;
      float simple_value = 2;
    }
    repeated Value value = 1;
  }
`, { keepCase: true }).root; // keepCase: the field names below are proto's snake_case
const EventMessage = root.lookupType('Event');

/** TFRecord's checksum: CRC-32C rotated right by 15 bits plus a constant. */
export function maskedCrc32c(data: Uint8Array): number {
  const crc = crc32c(data);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One TFRecord around `data`. */
export function tfRecord(data: Uint8Array): Buffer {
  const out = Buffer.alloc(8 + 4 + data.length + 4);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

export function encodeScalarEvent(step: number, wallTime: number, values: Record<string, number>): Uint8Array {
  const value = Object.entries(values).map(([tag, simple_value]) => ({ tag, simple_value }));
  return EventMessage.encode(EventMessage.create({ wall_time: wallTime, step, summary: { value } })).finish();
}

export class TfEventsWriter {
  readonly path: string;
  private readonly file: AppendFile;

  /** Creates `events.out.tfevents.<seconds>.<host>.<pid>` in `dir`, named as TensorFlow names them. */
  constructor(dir: string, now = Date.now() / 1000) {
    this.path = join(dir, `events.out.tfevents.${Math.floor(now)}.${hostname()}.${process.pid}.0`);
    this.file = new AppendFile(this.path);
    const version = EventMessage.encode(EventMessage.create({ wall_time: now, step: 0, file_version: 'brain.Event:2' })).finish();
    this.file.write(tfRecord(version));
    this.file.flush();
  }

  /** One event holding a scalar summary per entry of `values` (NaN stays NaN: a diverged loss should show). */
  scalars(step: number, wallTime: number, values: Record<string, number>): void {
    this.file.write(tfRecord(encodeScalarEvent(step, wallTime, values)));
  }

  flush(): void { this.file.flush(); }
  close(): void { this.file.close(); }
}
