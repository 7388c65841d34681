/**
 * Which rectangles of an environment's RGB observation buffer changed, collected for one
 * reader since it last cleared them. A game that redraws only what moved reports here, so that
 * a preprocessing wrapper can recompute only the output pixels those rectangles touch.
 */
export class FrameChanges {
  /** Rectangles x0, y0, x1, y1 (half-open), `count` of them. */
  readonly rects: Int32Array;
  count = 0;
  /** Everything may have changed (the start, or more rectangles than fit): recompute all. */
  all = true;

  constructor(readonly capacity = 64) {
    this.rects = new Int32Array(4 * capacity);
  }

  add(x0: number, y0: number, x1: number, y1: number): void {
    if (this.all || x0 >= x1 || y0 >= y1) return;
    if (this.count === this.capacity) { this.all = true; return; }
    const r = this.rects, i = 4 * this.count++;
    r[i] = x0; r[i + 1] = y0; r[i + 2] = x1; r[i + 3] = y1;
  }

  markAll(): void { this.all = true; }

  clear(): void { this.all = false; this.count = 0; }
}

/**
 * An environment whose observation is an RGB buffer it keeps and redraws in place: every change
 * to that buffer is reported to each FrameChanges handed out here (until the next step or reset
 * it is the buffer the last observation returned).
 */
export interface ReportsFrameChanges {
  /** A new reader of the changes, or null when this environment redraws whole frames (then no changes are reported). */
  watchFrameChanges(): FrameChanges | null;
}

export function reportsFrameChanges(env: object): env is ReportsFrameChanges {
  return typeof (env as Partial<ReportsFrameChanges>).watchFrameChanges === 'function';
}
