import { builtWasmModule } from '../util/builtWasm.js';

/**
 * The WebAssembly pass of GrayAreaResizer for palette-indexed frames (assembly/grayArea.ts):
 * a luma lookup per pixel of each changed input row, then the vertical and horizontal taps and
 * the exact truncation four values at a time. Its own small memory holds the tables, two
 * frames (this one and the last, whose unchanged rows keep their luma) and the output.
 */

interface GrayAreaExports {
  resizeIndexed(inHeight: number, inWidth: number, size: number, frame: number, previous: number, luma: number,
    xFirst: number, xWeight: number, xWidth: number, yFirst: number, yWeight: number, yWidth: number,
    lumaFrame: number, columns: number, out: number, offset: number, denominator: number, band: number, boundary: number): number;
}


/** Taps whose inputs are contiguous: output o reads first[o] + k, k < width, with weight[o * width + k]. */
export interface ContiguousTaps { first: Int32Array; weight: Int32Array; width: number }

/** The integers of the exact truncation (see GrayAreaResizer). */
export interface Truncation { offset: number; denominator: number; band: number }

export class IndexedGrayKernel {
  /** The gray image of the last `resize`, boundary pixels not yet replaced. */
  readonly output: Uint8Array;
  /** Indices into `output` of the pixels near a rounding boundary, `resize`'s count of them. */
  readonly boundary: Int32Array;
  private readonly exports: GrayAreaExports;
  private readonly luma: Int32Array;
  private readonly frames: [Uint8Array, Uint8Array];
  private readonly at: { luma: number; xFirst: number; xWeight: number; yFirst: number; yWeight: number; lumaFrame: number; columns: number; out: number; boundary: number; frames: [number, number] };
  /** Which of `frames` the next frame goes to; the other holds the last one, if `hasPrevious`. */
  private current = 0;
  private hasPrevious = false;

  /** Null when the kernel is not built, or for shapes it does not take (it works on four input columns and four output rows at a time). */
  static create(inHeight: number, inWidth: number, size: number, x: ContiguousTaps, y: ContiguousTaps, truncation: Truncation): IndexedGrayKernel | null {
    if (inWidth % 4 !== 0 || size % 4 !== 0) return null;
    const module = builtWasmModule('grayArea.wasm'); // null: not built, or this engine lacks SIMD
    return module === null ? null : new IndexedGrayKernel(module, inHeight, inWidth, size, x, y, truncation);
  }

  private constructor(module: WebAssembly.Module, readonly inHeight: number, readonly inWidth: number, readonly size: number,
    private readonly x: ContiguousTaps, private readonly y: ContiguousTaps, private readonly truncation: Truncation) {
    let next = 16;
    const take = (bytes: number) => { const at = next; next += Math.ceil(bytes / 16) * 16; return at; };
    const frameBytes = inHeight * inWidth;
    this.at = {
      luma: take(256 * 4),
      xFirst: take(size * 4), xWeight: take(x.weight.length * 4), yFirst: take(size * 4), yWeight: take(y.weight.length * 4),
      lumaFrame: take((inHeight + y.width) * inWidth * 4), // padding taps (weight 0) may read past the last row
      columns: take((inWidth + x.width) * 16), // or column
      out: take(size * size),
      boundary: take(size * size * 4),
      frames: [take(frameBytes), take(frameBytes)],
    };
    const memory = new WebAssembly.Memory({ initial: Math.ceil(next / 65536) });
    this.exports = new WebAssembly.Instance(module, { env: { memory, abort: () => { throw new Error('wasm abort'); } } }).exports as unknown as GrayAreaExports;
    const buffer = memory.buffer, at = this.at;
    new Int32Array(buffer, at.xFirst, size).set(x.first);
    new Int32Array(buffer, at.xWeight, x.weight.length).set(x.weight);
    new Int32Array(buffer, at.yFirst, size).set(y.first);
    new Int32Array(buffer, at.yWeight, y.weight.length).set(y.weight);
    this.luma = new Int32Array(buffer, at.luma, 256);
    this.output = new Uint8Array(buffer, at.out, size * size);
    this.boundary = new Int32Array(buffer, at.boundary, size * size);
    this.frames = [new Uint8Array(buffer, at.frames[0], frameBytes), new Uint8Array(buffer, at.frames[1], frameBytes)];
  }

  /** Sets the integer luma of each palette index; the last frame's row sums no longer apply. */
  setLuma(luma: Int32Array): void {
    this.luma.fill(0);
    this.luma.set(luma.subarray(0, 256));
    this.hasPrevious = false;
  }

  /** Resizes `indices` into `output`; returns how many pixels `boundary` lists. */
  resize(indices: Uint8Array): number {
    const { at, x, y, truncation: t, size } = this;
    const frame = this.current;
    this.frames[frame].set(indices.subarray(0, this.inHeight * this.inWidth));
    const previous = this.hasPrevious ? at.frames[1 - frame] : 0;
    const count = this.exports.resizeIndexed(this.inHeight, this.inWidth, size, at.frames[frame], previous, at.luma,
      at.xFirst, at.xWeight, x.width, at.yFirst, at.yWeight, y.width, at.lumaFrame, at.columns, at.out, t.offset, t.denominator, t.band, at.boundary);
    this.current = 1 - frame;
    this.hasPrevious = true;
    return count;
  }
}
