import { indexedToRgb } from '../envs/indexedFrames.js';
import { IndexedGrayKernel, type ContiguousTaps } from './grayAreaWasm.js';

/**
 * RGB -> gray, area-resized, in exact integer arithmetic, equal in every output value to the
 * float recipe GrayResize always had (skimage luma 0.2125/0.7154/0.0721 in float32, area
 * weights in float32, float32 row sums, +1e-4, truncation; see `referencePixel`).
 *
 * Why it is exact: the luma weights are k/10000 and every area weight is a/Dx (columns) or
 * b/Dy (rows) with small integers, so the true value is V = N / (10000 Dx Dy) for an integer N
 * computed here without rounding. The float recipe returns trunc(V + 1e-4 + e) with
 * |e| <= 2.4e-7 V (three float32 roundings on each axis, all relative), and 1e-4 is itself
 * Dx Dy in N's units. So trunc of the integer sum agrees with the float recipe unless
 * V + 1e-4 lies within |e| of an integer; those rare pixels (about one in 6,500 on random
 * frames) are recomputed with the float recipe itself, so the two agree on every input.
 */
export class GrayAreaResizer {
  /** Output pixels that fell near a rounding boundary and took the float recipe (for tests). */
  boundaryPixels = 0;
  private readonly xInt: IntTaps;
  private readonly yInt: IntTaps;
  private readonly xFloat: FloatTaps;
  private readonly yFloat: FloatTaps;
  private readonly lumaRow: Int32Array;
  private readonly rows: Int32Array;
  private readonly acc: Int32Array;
  /** 10000 Dx Dy: N / denominator is the exact gray value. */
  private readonly denominator: number;
  /** 1e-4 in N's units. */
  private readonly offset: number;
  /** Residues this close to a multiple of the denominator take the float recipe. */
  private readonly band: number;
  /** False when N could overflow int32 (only for unusual sizes): every pixel takes the float recipe. */
  private readonly exact: boolean;
  /** The WebAssembly pass for palette-indexed frames: undefined until first wanted, null where unavailable. */
  private kernel: IndexedGrayKernel | null | undefined;
  /** The palette `indexLuma` and `indexFloatLuma` were made from. */
  private palette: Uint32Array | null = null;
  /** Per palette index: the integer luma and the float recipe's luma. */
  private readonly indexLuma = new Int32Array(256);
  private readonly indexFloatLuma = new Float32Array(256);
  /** Frames the indexed path expands to RGB where the kernel is unavailable. */
  private rgbScratch: Uint8Array | null = null;

  /** `wasm: false` keeps palette-indexed frames off the WebAssembly kernel (they are expanded to RGB instead). */
  constructor(readonly inHeight: number, readonly inWidth: number, readonly size: number, options: { wasm?: boolean } = {}) {
    if (options.wasm === false) this.kernel = null;
    this.xInt = integerTaps(inWidth, size);
    this.yInt = integerTaps(inHeight, size);
    this.xFloat = floatTaps(inWidth, size);
    this.yFloat = floatTaps(inHeight, size);
    this.lumaRow = new Int32Array(inWidth);
    this.rows = new Int32Array(inHeight * size);
    this.acc = new Int32Array(size);
    const dxdy = this.xInt.denominator * this.yInt.denominator;
    this.denominator = 10000 * dxdy;
    this.offset = dxdy;
    this.band = Math.ceil(this.denominator * 255 * 3e-7); // 3e-7 * 255 > the float recipe's worst error, < 1e-4
    this.exact = 255 * this.denominator + this.offset < 2 ** 31;
  }

  /** Writes the size x size gray image of `rgb` (inHeight x inWidth x 3) into `out`. */
  resize(rgb: Uint8Array, out: Uint8Array): void {
    const { size, inWidth, inHeight, lumaRow, rows, acc, xInt, yInt } = this;
    if (!this.exact) {
      for (let oy = 0; oy < size; oy++) for (let ox = 0; ox < size; ox++) out[oy * size + ox] = this.referencePixel(rgb, ox, oy);
      return;
    }
    const xw = xInt.width, xIndex = xInt.index, xWeight = xInt.weight;
    // Games draw many rows that repeat the row above; those reuse its row sums (compared as words).
    const rowBytes = inWidth * 3;
    const words = rgb.byteOffset % 4 === 0 && rowBytes % 4 === 0 ? new Uint32Array(rgb.buffer, rgb.byteOffset, (inHeight * rowBytes) / 4) : null;
    const rowWords = rowBytes / 4;
    for (let y = 0, p = 0; y < inHeight; y++, p = y * rowBytes) {
      const rowBase = y * size;
      if (words !== null && y > 0 && sameRow(words, (y - 1) * rowWords, y * rowWords, rowWords)) {
        rows.copyWithin(rowBase, rowBase - size, rowBase);
        continue;
      }
      for (let x = 0; x < inWidth; x++, p += 3) lumaRow[x] = 2125 * rgb[p] + 7154 * rgb[p + 1] + 721 * rgb[p + 2];
      for (let ox = 0, t = 0; ox < size; ox++) {
        let sum = 0;
        for (const end = t + xw; t < end; t++) sum += xWeight[t] * lumaRow[xIndex[t]];
        rows[rowBase + ox] = sum;
      }
    }
    const yw = yInt.width, yIndex = yInt.index, yWeight = yInt.weight;
    for (let oy = 0; oy < size; oy++) {
      acc.fill(0);
      for (let t = oy * yw, end = t + yw; t < end; t++) {
        const w = yWeight[t];
        if (w === 0) continue;
        const rowBase = yIndex[t] * size;
        for (let ox = 0; ox < size; ox++) acc[ox] += w * rows[rowBase + ox];
      }
      const outRow = oy * size;
      for (let ox = 0; ox < size; ox++) out[outRow + ox] = this.finish(acc[ox], rgb, ox, oy);
    }
  }

  /**
   * Writes the gray image of a frame of palette indices (inHeight x inWidth, one byte a pixel;
   * `palette[i]` is index i's colour as 0x00BBGGRR) into `out`: the values `resize` gives for
   * the frame's RGB, boundary pixels included (they take the float recipe on the palette's RGB).
   * In WebAssembly where it is built, luma looked up per colour, and rows equal to the last
   * indexed frame's keep their luma (until the palette changes); elsewhere through RGB.
   */
  resizeIndexed(indices: Uint8Array, palette: Uint32Array, out: Uint8Array): void {
    if (palette !== this.palette) this.setPalette(palette);
    const kernel = this.indexedKernel();
    if (kernel === null) {
      this.resize(this.expand(indices), out);
      return;
    }
    const count = kernel.resize(indices);
    out.set(kernel.output);
    const size = this.size, boundary = kernel.boundary;
    for (let k = 0; k < count; k++) {
      const pixel = boundary[k], oy = Math.floor(pixel / size);
      this.boundaryPixels++;
      out[pixel] = this.floatPixel(pixel - oy * size, oy, indices, this.indexFloatLuma, 1);
    }
  }

  private setPalette(palette: Uint32Array): void {
    this.palette = palette;
    this.indexLuma.fill(0);
    this.indexFloatLuma.fill(0);
    for (let i = 0; i < Math.min(256, palette.length); i++) {
      const r = palette[i] & 0xff, g = (palette[i] >>> 8) & 0xff, b = (palette[i] >>> 16) & 0xff;
      this.indexLuma[i] = 2125 * r + 7154 * g + 721 * b;
      this.indexFloatLuma[i] = 0.2125 * r + 0.7154 * g + 0.0721 * b; // rounded to float32, as the float recipe rounds each pixel's luma
    }
    this.kernel?.setLuma(this.indexLuma);
  }

  /** The kernel, made on first use; null where it is not built or the sums could overflow. */
  private indexedKernel(): IndexedGrayKernel | null {
    if (this.kernel === undefined) {
      const x = contiguous(this.xInt), y = contiguous(this.yInt);
      this.kernel = this.exact && x !== null && y !== null
        ? IndexedGrayKernel.create(this.inHeight, this.inWidth, this.size, x, y, { offset: this.offset, denominator: this.denominator, band: this.band })
        : null;
      this.kernel?.setLuma(this.indexLuma);
    }
    return this.kernel;
  }

  /** The RGB frame of `indices` (a scratch buffer). */
  private expand(indices: Uint8Array): Uint8Array {
    const rgb = (this.rgbScratch ??= new Uint8Array(this.inHeight * this.inWidth * 3));
    indexedToRgb(indices, this.palette!, rgb);
    return rgb;
  }

  /**
   * Recomputes only the output pixels whose area overlaps the input rectangle [x0, x1) x
   * [y0, y1) of `rgb`; the others keep their values in `out`. The row sums of the input rows
   * and columns those pixels cover are computed as in `resize`, then their exact sums, so a
   * frame updated rectangle by rectangle equals its full resize.
   */
  resizeRegion(rgb: Uint8Array, out: Uint8Array, x0: number, y0: number, x1: number, y1: number): void {
    const { size, inWidth, inHeight, xInt, yInt, lumaRow, rows } = this;
    const ox0 = Math.max(0, Math.floor((x0 * size) / inWidth)), ox1 = Math.min(size, Math.ceil((x1 * size) / inWidth));
    const oy0 = Math.max(0, Math.floor((y0 * size) / inHeight)), oy1 = Math.min(size, Math.ceil((y1 * size) / inHeight));
    if (ox0 >= ox1 || oy0 >= oy1) return;
    if (!this.exact) {
      for (let oy = oy0; oy < oy1; oy++) for (let ox = ox0; ox < ox1; ox++) out[oy * size + ox] = this.referencePixel(rgb, ox, oy);
      return;
    }
    // The input cells under those output pixels (padding taps have weight 0 and read nothing that matters).
    const xFrom = Math.floor((ox0 * inWidth) / size), xTo = Math.min(inWidth, Math.ceil((ox1 * inWidth) / size));
    const yFrom = Math.floor((oy0 * inHeight) / size), yTo = Math.min(inHeight, Math.ceil((oy1 * inHeight) / size));
    const xw = xInt.width, xIndex = xInt.index, xWeight = xInt.weight;
    for (let y = yFrom; y < yTo; y++) {
      for (let x = xFrom, p = (y * inWidth + xFrom) * 3; x < xTo; x++, p += 3) lumaRow[x] = 2125 * rgb[p] + 7154 * rgb[p + 1] + 721 * rgb[p + 2];
      const rowBase = y * size;
      for (let ox = ox0, t = ox0 * xw; ox < ox1; ox++) {
        let sum = 0;
        for (const end = t + xw; t < end; t++) sum += xWeight[t] * lumaRow[xIndex[t]];
        rows[rowBase + ox] = sum;
      }
    }
    const yw = yInt.width, yIndex = yInt.index, yWeight = yInt.weight;
    for (let oy = oy0; oy < oy1; oy++) {
      for (let ox = ox0; ox < ox1; ox++) {
        let n = 0;
        for (let t = oy * yw, end = t + yw; t < end; t++) {
          const w = yWeight[t];
          if (w !== 0) n += w * rows[yIndex[t] * size + ox];
        }
        out[oy * size + ox] = this.finish(n, rgb, ox, oy);
      }
    }
  }

  /** The gray value of output pixel (ox, oy) from its exact sum N; near a rounding boundary, the float recipe's. */
  private finish(n: number, rgb: Uint8Array, ox: number, oy: number): number {
    const { denominator, band } = this;
    const v = n + this.offset;
    const q = Math.floor(v / denominator);
    const residue = v - q * denominator;
    if (residue < band || residue > denominator - band) {
      this.boundaryPixels++;
      return this.referencePixel(rgb, ox, oy);
    }
    return q; // q <= 255: V <= 255
  }

  /**
   * One output pixel by the float recipe GrayResize always used, operation for operation:
   * float32 luma, float32 taps, float64 sums stored as float32 row values, + 1e-4, truncation.
   */
  referencePixel(rgb: Uint8Array, ox: number, oy: number): number {
    return this.floatPixel(ox, oy, rgb, null, 3);
  }

  /**
   * The float recipe for pixel (ox, oy) of an RGB frame (`luma` null, 3 bytes a pixel) or of
   * a frame of palette indices (`luma` the float32 luma of each index, 1 byte a pixel).
   */
  private floatPixel(ox: number, oy: number, frame: Uint8Array, luma: Float32Array | null, bytesPerPixel: number): number {
    const { xFloat, yFloat, inWidth } = this;
    const xw = xFloat.width, yw = yFloat.width;
    let sum = 0;
    for (let t = oy * yw, end = t + yw; t < end; t++) {
      const rowBase = yFloat.index[t] * inWidth;
      let rowSum = 0;
      for (let u = ox * xw, uEnd = u + xw; u < uEnd; u++) {
        const p = (rowBase + xFloat.index[u]) * bytesPerPixel;
        const pixelLuma = luma !== null ? luma[frame[p]] : Math.fround(0.2125 * frame[p] + 0.7154 * frame[p + 1] + 0.0721 * frame[p + 2]);
        rowSum += xFloat.weight[u] * pixelLuma;
      }
      sum += yFloat.weight[t] * Math.fround(rowSum);
    }
    const v = sum + 1e-4; // area weights sum to 1 only up to float rounding
    return v >= 255 ? 255 : v | 0;
  }
}

/** Per output index, `width` (input index, weight) pairs, padded with zero weights. */
interface FloatTaps { width: number; index: Int32Array; weight: Float32Array }
/** The same taps with weight[i] / denominator the exact overlap fraction. */
interface IntTaps { width: number; index: Int32Array; weight: Int32Array; denominator: number }

/** The area taps exactly as GrayResize has always computed them (float64, stored as float32). */
function floatTaps(inSize: number, outSize: number): FloatTaps {
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

/**
 * Output cell o covers [o in/out, (o+1) in/out); its overlap with input cell i, times out, is
 * the integer min((o+1) in, (i+1) out) - max(o in, i out), so its weight is that / in, and
 * both shrink by g = gcd(in, out).
 */
function integerTaps(inSize: number, outSize: number): IntTaps {
  const g = gcd(inSize, outSize);
  const lists: { index: number; weight: number }[][] = [];
  for (let o = 0; o < outSize; o++) {
    const taps = [];
    for (let i = Math.floor((o * inSize) / outSize); i * outSize < (o + 1) * inSize && i < inSize; i++) {
      const overlap = Math.min((o + 1) * inSize, (i + 1) * outSize) - Math.max(o * inSize, i * outSize);
      if (overlap > 0) taps.push({ index: i, weight: overlap / g });
    }
    lists.push(taps);
  }
  const width = Math.max(...lists.map((l) => l.length));
  const index = new Int32Array(outSize * width), weight = new Int32Array(outSize * width);
  lists.forEach((taps, o) => taps.forEach((t, k) => { index[o * width + k] = t.index; weight[o * width + k] = t.weight; }));
  return { width, index, weight, denominator: inSize / g };
}

/** The taps as first input and weights, or null if some output's inputs are not contiguous. */
function contiguous(taps: IntTaps): ContiguousTaps | null {
  const { width, index, weight } = taps, first = new Int32Array(index.length / width);
  for (let o = 0; o < first.length; o++) {
    first[o] = index[o * width];
    for (let k = 0; k < width; k++) if (weight[o * width + k] !== 0 && index[o * width + k] !== first[o] + k) return null;
  }
  return { first, weight, width };
}

function sameRow(words: Uint32Array, a: number, b: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (words[a + i] !== words[b + i]) return false;
  return true;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
