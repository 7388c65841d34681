/**
 * GrayResize as it was before the fused integer pass (float32 luma frame, float row pass,
 * float column pass), kept verbatim as the reference the new pass must equal.
 */
export class ReferenceGrayResize {
  private readonly output: Uint8Array;
  private readonly rowBuffer: Float32Array;
  private readonly luma: Float32Array;
  private readonly xTaps: Taps;
  private readonly yTaps: Taps;

  constructor(private readonly inHeight: number, private readonly inWidth: number, readonly size = 84) {
    const h = inHeight, w = inWidth;
    this.output = new Uint8Array(size * size);
    this.rowBuffer = new Float32Array(h * size);
    this.luma = new Float32Array(h * w);
    this.xTaps = areaTaps(w, size);
    this.yTaps = areaTaps(h, size);
  }

  /** Converts one RGB frame; the result is reused by the next call. */
  transform(rgb: Uint8Array): Uint8Array {
    const { size, inHeight, inWidth, rowBuffer, luma, xTaps, yTaps } = this;
    for (let i = 0, p = 0; i < luma.length; i++, p += 3) luma[i] = 0.2125 * rgb[p] + 0.7154 * rgb[p + 1] + 0.0721 * rgb[p + 2];
    const xw = xTaps.width, yw = yTaps.width;
    for (let y = 0; y < inHeight; y++) {
      const rowBase = y * inWidth;
      for (let ox = 0; ox < size; ox++) {
        let sum = 0;
        for (let t = ox * xw, end = t + xw; t < end; t++) sum += xTaps.weight[t] * luma[rowBase + xTaps.index[t]];
        rowBuffer[y * size + ox] = sum;
      }
    }
    for (let oy = 0; oy < size; oy++) {
      const outRow = oy * size;
      for (let ox = 0; ox < size; ox++) {
        let sum = 0;
        for (let t = oy * yw, end = t + yw; t < end; t++) sum += yTaps.weight[t] * rowBuffer[yTaps.index[t] * size + ox];
        const v = sum + 1e-4; // area weights sum to 1 only up to float rounding
        this.output[outRow + ox] = v >= 255 ? 255 : v | 0;
      }
    }
    return this.output;
  }
}

/**
 * For each output index, `width` (input index, weight) pairs: the input cells it overlaps and
 * the overlap fractions (summing to 1), padded with zero weights so every output has the same
 * number of taps and the inner loops have fixed bounds.
 */
interface Taps { width: number; index: Int32Array; weight: Float32Array }

function areaTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const lists: { index: number; weight: number }[][] = [];
  for (let o = 0; o < outSize; o++) {
    const from = o * scale, to = (o + 1) * scale;
    const taps = [];
    for (let i = Math.floor(from); i < Math.min(inSize, Math.ceil(to)); i++) {
      const overlap = Math.min(to, i + 1) - Math.max(from, i);
      if (overlap > 1e-9) taps.push({ index: i, weight: overlap / scale });
    }
    lists.push(taps);
  }
  const width = Math.max(...lists.map((l) => l.length));
  const index = new Int32Array(outSize * width), weight = new Float32Array(outSize * width);
  lists.forEach((taps, o) => taps.forEach((t, k) => { index[o * width + k] = t.index; weight[o * width + k] = t.weight; }));
  return { width, index, weight };
}
