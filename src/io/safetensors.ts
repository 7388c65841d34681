import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomicFile.js';
import { crc32c } from './crc32c.js';

/** Where a named tensor lives in a flat parameter buffer (a network's layout satisfies it). */
export interface TensorSlot {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

/**
 * Weights in the safetensors layout (8-byte little-endian header length, JSON header, raw
 * little-endian data), so Python's `safetensors` opens our files. Free-form run information
 * goes in `__metadata__` (string values only, as the format requires), and so does a CRC-32C
 * of the header and the data, so a flipped bit is refused instead of loaded as garbage.
 */

/**
 * The metadata key holding, as 8 hex digits, the CRC-32C of the header's canonical JSON (the
 * header without this key, as JSON.stringify writes it) followed by the data section. Other
 * tools may reformat the header's whitespace without breaking it.
 */
const CHECKSUM_KEY = 'crc32c';

function checksum(headerWithoutChecksum: unknown, data: Uint8Array): string {
  return hex32(crc32c(data, crc32c(Buffer.from(JSON.stringify(headerWithoutChecksum), 'utf8'))));
}

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface LoadedTensors {
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  metadata: Record<string, string>;
}

/** The named slices of a flat parameter-sized array, e.g. the weights or an optimizer moment. */
export function layoutTensors(layout: TensorSlot[], values: Float32Array, prefix = ''): NamedTensor[] {
  return layout.map((t) => ({ name: prefix + t.name, shape: t.shape, data: values.subarray(t.offset, t.offset + t.length) }));
}

/** Writes the named slices of `params` atomically. */
export function saveSafetensors(path: string, layout: TensorSlot[], params: Float32Array, metadata: Record<string, string> = {}): void {
  writeSafetensors(path, layoutTensors(layout, params), metadata);
}

/** Writes `tensors` atomically, with the data's CRC-32C in the metadata. */
export function writeSafetensors(path: string, tensors: NamedTensor[], metadata: Record<string, string> = {}): void {
  const entries: Record<string, unknown> = {};
  let offset = 0;
  for (const t of tensors) {
    entries[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.length * 4] };
    offset += t.data.length * 4;
  }
  const data = Buffer.alloc(offset);
  let position = 0;
  for (const t of tensors) {
    data.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), position);
    position += t.data.byteLength;
  }
  const header = { __metadata__: { ...metadata }, ...entries };
  (header.__metadata__ as Record<string, string>)[CHECKSUM_KEY] = checksum(header, data);
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // align the data to 8 bytes
  const headerBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.length));
  writeFileAtomic(path, [prefix, headerBytes, data]);
}

function hex32(x: number): string {
  return x.toString(16).padStart(8, '0');
}

/** Reads a safetensors file of F32 tensors; every malformation is a one-line error naming the file. */
export function loadSafetensors(path: string, what = 'weights file'): LoadedTensors {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new Error(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const fail = (why: string): never => { throw new Error(`${what} ${path} is not a valid safetensors file: ${why}`); };
  if (bytes.length < 8) fail(`only ${bytes.length} bytes`);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (headerLength <= 0 || 8 + headerLength > bytes.length) fail(`header length ${headerLength} does not fit in ${bytes.length} bytes`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  } catch {
    return fail('header is not JSON (truncated or corrupt)');
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) fail('header is not an object');
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!entry || typeof entry !== 'object' || !Object.values(entry).every((v) => typeof v === 'string')) fail('__metadata__ is not a map of strings');
      metadata = entry as Record<string, string>;
      continue;
    }
    if (!entry || typeof entry !== 'object') fail(`tensor ${name} has no description`);
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e.dtype !== 'F32') fail(`tensor ${name} has dtype ${String(e.dtype)}, expected F32`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor ${name} has a bad shape`);
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2) fail(`tensor ${name} has bad data_offsets`);
    const [begin, end] = offsets as number[];
    const count = (e.shape as number[]).reduce((a, b) => a * b, 1);
    if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end > dataLength || end - begin !== count * 4) {
      fail(`tensor ${name} data [${begin}, ${end}) does not match its shape or the file size (truncated?)`);
    }
    const data = new Float32Array(count);
    new Uint8Array(data.buffer).set(bytes.subarray(dataStart + begin, dataStart + end));
    tensors.set(name, { shape: e.shape as number[], data });
  }
  const expected = metadata[CHECKSUM_KEY];
  if (expected !== undefined) {
    const { [CHECKSUM_KEY]: _own, ...rest } = metadata;
    if (expected !== checksum({ ...header, __metadata__: rest }, bytes.subarray(dataStart))) fail('checksum mismatch (corrupt file)');
  }
  return { tensors, metadata };
}

/** Copies loaded tensors into `params` following `layout`; names and shapes must all match. */
export function assignTensors(path: string, loaded: LoadedTensors, layout: TensorSlot[], params: Float32Array): void {
  for (const t of layout) {
    const found = loaded.tensors.get(t.name);
    if (!found) throw new Error(`weights file ${path} has no tensor ${t.name}: it was saved for a different network`);
    if (found.shape.join('x') !== t.shape.join('x')) {
      throw new Error(`weights file ${path}: tensor ${t.name} has shape ${found.shape.join('x')}, the network needs ${t.shape.join('x')}`);
    }
    params.set(found.data, t.offset);
  }
}
