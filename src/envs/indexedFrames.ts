/**
 * A frame as one palette index a pixel: what a 2600 core draws before it looks colours up. A
 * preprocessing wrapper can compute luma once per palette colour instead of once per pixel.
 */
export interface IndexedFrame {
  /** Palette indices, row-major, one per pixel of the RGB observation; rewritten in place by every step and reset. */
  readonly indices: Uint8Array;
  /** Index i's colour as 0x00BBGGRR (red in the low byte): the observation's pixel is its three bytes. */
  readonly palette: Uint32Array;
}

/**
 * An environment whose RGB observation is, after each step and reset, exactly `palette` looked up
 * at `indices` of the frame handed out here (which then describes the observation it returned last).
 */
export interface ReportsIndexedFrames {
  /** The frame, or null when observations are not a palette lookup of one frame (e.g. max-pooled, or a core that gives RGB only). */
  indexedFrame(): IndexedFrame | null;
}

export function reportsIndexedFrames(env: object): env is ReportsIndexedFrames {
  return typeof (env as Partial<ReportsIndexedFrames>).indexedFrame === 'function';
}

/** Writes the RGB frame of `indices` (3 bytes a pixel: `palette[index]`'s low three bytes; 0 for an index past the palette) into `out`. */
export function indexedToRgb(indices: Uint8Array, palette: Uint32Array, out: Uint8Array): void {
  for (let p = 0, q = 0; p < indices.length; p++, q += 3) {
    const word = palette[indices[p]] ?? 0;
    out[q] = word & 0xff;
    out[q + 1] = (word >>> 8) & 0xff;
    out[q + 2] = (word >>> 16) & 0xff;
  }
}
