import type { BoxSpace, Env, ResetOptions, ResetResult, StepResult } from '../envs/env.js';
import { Wrapper } from './wrapper.js';

/**
 * RGB frame -> grayscale, resized by area averaging to `size` x `size` uint8. Luma weights are
 * skimage's rgb2gray (0.2125, 0.7154, 0.0721), which the reference uses; area averaging is the
 * anti-aliased downscale skimage's resize performs, and values are truncated to uint8 as the
 * reference's np.uint8(...) does. The weight tables are computed once.
 */
export class GrayResize extends Wrapper<Uint8Array> {
  readonly size: number;
  private readonly output: Uint8Array;
  private readonly rowBuffer: Float32Array;
  private readonly luma: Float32Array;
  private readonly xTaps: Taps;
  private readonly yTaps: Taps;
  private readonly inHeight: number;
  private readonly inWidth: number;
  private readonly space: BoxSpace;

  constructor(env: Env<Uint8Array>, size = 84) {
    super(env);
    const [h, w, c] = env.observationSpace.shape;
    if (c !== 3) throw new Error(`GrayResize needs RGB frames [h, w, 3], got [${env.observationSpace.shape}]`);
    this.size = size;
    this.inHeight = h;
    this.inWidth = w;
    this.output = new Uint8Array(size * size);
    this.rowBuffer = new Float32Array(h * size);
    this.luma = new Float32Array(h * w);
    this.xTaps = areaTaps(w, size);
    this.yTaps = areaTaps(h, size);
    this.space = { kind: 'box', shape: [size, size], low: 0, high: 255 };
  }

  override get observationSpace(): BoxSpace { return this.space; }

  reset(options?: ResetOptions): ResetResult<Uint8Array> {
    const r = this.env.reset(options);
    return { ...r, observation: this.transform(r.observation) };
  }

  step(action: number): StepResult<Uint8Array> {
    const r = this.env.step(action);
    return { ...r, observation: this.transform(r.observation) };
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
