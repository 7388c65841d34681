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
