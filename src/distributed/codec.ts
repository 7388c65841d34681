/**
 * Flat float vectors on the wire: float32 as is, or IEEE half precision (round to nearest even;
 * overflow becomes infinity, which the service refuses as a non-finite change) at half the bytes.
 */
import { Precision, type Tensor } from './protocol.js';

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);
const HALF_MAGIC = new Uint32Array([0x3f00_0000]); // 0.5: adding it shifts a subnormal half's bits into place
const halfMagic = new Float32Array(HALF_MAGIC.buffer)[0];

/** The half-precision bits nearest to `bits` (a float32's bits). */
function halfOf(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  let x = bits & 0x7fff_ffff;
  let h: number;
  if (x >= 0x4780_0000) {
    h = x > 0x7f80_0000 ? 0x7e00 : 0x7c00; // NaN stays NaN; too large becomes infinity
  } else if (x < 0x3880_0000) {
    scratchBits[0] = x;
    scratch[0] = scratch[0] + halfMagic; // a subnormal half (or zero): float addition rounds it
    h = scratchBits[0] - 0x3f00_0000;
  } else {
    const odd = (x >>> 13) & 1;
    x += ((15 - 127) << 23) + 0xfff + odd; // rebias the exponent and round to nearest even
    h = x >>> 13;
  }
  return h | sign;
}

let halfTable: Float32Array | null = null;

/** Every half-precision value as float32, by its bits. */
function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >>> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    table[h] = exponent === 0 ? sign * mantissa * 2 ** -24
      : exponent === 31 ? (mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY)
        : sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  halfTable = table;
  return table;
}

/** `values` as a message tensor (a copy: the caller may change `values` afterwards). */
export function encodeTensor(values: Float32Array, precision: Precision): Tensor {
  if (precision === Precision.FLOAT32) {
    const data = Buffer.allocUnsafe(values.byteLength);
    data.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    return { precision, length: values.length, data };
  }
  const data = Buffer.allocUnsafe(values.length * 2);
  // A small Buffer may lie at an odd offset of Node's pool: then it is written byte by byte.
  if (data.byteOffset % 2 === 0) {
    const halves = new Uint16Array(data.buffer, data.byteOffset, values.length);
    const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
    for (let i = 0; i < values.length; i++) halves[i] = halfOf(bits[i]);
  } else {
    for (let i = 0; i < values.length; i++) { scratch[0] = values[i]; data.writeUInt16LE(halfOf(scratchBits[0]), 2 * i); }
  }
  return { precision, length: values.length, data };
}

/** A message tensor as float32 values; `into` (of the tensor's length) receives them when given. */
export function decodeTensor(tensor: Tensor, expectedLength: number, into: Float32Array = new Float32Array(expectedLength)): Float32Array {
  if (tensor.length !== expectedLength) throw new Error(`a tensor of ${tensor.length} values arrived where the network has ${expectedLength}`);
  if (into.length !== expectedLength) throw new RangeError(`decode target holds ${into.length} values, not ${expectedLength}`);
  const { data } = tensor;
  if (tensor.precision === Precision.FLOAT32) {
    if (data.length !== expectedLength * 4) throw new Error(`a float32 tensor of ${expectedLength} values arrived with ${data.length} bytes`);
    new Uint8Array(into.buffer, into.byteOffset, into.byteLength).set(data);
    return into;
  }
  if (tensor.precision !== Precision.FLOAT16) throw new Error(`unknown tensor precision ${tensor.precision}`);
  if (data.length !== expectedLength * 2) throw new Error(`a float16 tensor of ${expectedLength} values arrived with ${data.length} bytes`);
  const table = halfToFloatTable();
  if (data.byteOffset % 2 === 0) {
    const halves = new Uint16Array(data.buffer, data.byteOffset, expectedLength);
    for (let i = 0; i < expectedLength; i++) into[i] = table[halves[i]];
  } else {
    for (let i = 0; i < expectedLength; i++) into[i] = table[data.readUInt16LE(2 * i)];
  }
  return into;
}
