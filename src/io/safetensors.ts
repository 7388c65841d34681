import { readFileSync } from 'node:fs';
import type { ParamTensor } from '../nn/sequential.js';
import { writeFileAtomic } from './atomicFile.js';

/**
 * Weights in the safetensors layout (8-byte little-endian header length, JSON header, raw
 * little-endian data), so Python's `safetensors` opens our files. Free-form run information
 * goes in `__metadata__` (string values only, as the format requires).
 */

export interface LoadedTensors {
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  metadata: Record<string, string>;
}

/** Writes the named slices of `params` atomically. */
export function saveSafetensors(path: string, layout: ParamTensor[], params: Float32Array, metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of layout) {
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.length * 4] };
    offset += t.length * 4;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // align the data to 8 bytes
  const headerBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.length));
  const data = Buffer.alloc(offset);
  let position = 0;
  for (const t of layout) {
    const slice = params.subarray(t.offset, t.offset + t.length);
    data.set(new Uint8Array(slice.buffer, slice.byteOffset, slice.byteLength), position);
    position += slice.byteLength;
  }
  writeFileAtomic(path, [prefix, headerBytes, data]);
}

/** Reads a safetensors file of F32 tensors; every malformation is a one-line error naming the file. */
export function loadSafetensors(path: string): LoadedTensors {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new Error(`cannot read weights file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const fail = (why: string): never => { throw new Error(`weights file ${path} is not a valid safetensors file: ${why}`); };
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
      metadata = entry as Record<string, string>;
      continue;
    }
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
  return { tensors, metadata };
}

/** Copies loaded tensors into `params` following `layout`; names and shapes must all match. */
export function assignTensors(path: string, loaded: LoadedTensors, layout: ParamTensor[], params: Float32Array): void {
  for (const t of layout) {
    const found = loaded.tensors.get(t.name);
    if (!found) throw new Error(`weights file ${path} has no tensor ${t.name}: it was saved for a different network`);
    if (found.shape.join('x') !== t.shape.join('x')) {
      throw new Error(`weights file ${path}: tensor ${t.name} has shape ${found.shape.join('x')}, the network needs ${t.shape.join('x')}`);
    }
    params.set(found.data, t.offset);
  }
}
