import type { BoxSpace, Env, ResetOptions, ResetResult, StepResult } from '../envs/env.js';
import { reportsFrameChanges, type FrameChanges } from '../envs/frameChanges.js';
import { reportsIndexedFrames, type IndexedFrame } from '../envs/indexedFrames.js';
import { GrayAreaResizer } from './grayArea.js';
import { Wrapper } from './wrapper.js';

/**
 * RGB frame -> grayscale, resized by area averaging to `size` x `size` uint8. Luma weights are
 * skimage's rgb2gray (0.2125, 0.7154, 0.0721), which the reference uses; area averaging is the
 * anti-aliased downscale skimage's resize performs, and values are truncated to uint8 as the
 * reference's np.uint8(...) does. Computed in one fused integer pass (GrayAreaResizer), equal
 * in value to the float recipe.
 *
 * When the game below (through wrappers that pass observations on unchanged) reports which
 * rectangles of its frame buffer changed, only the output pixels those touch are recomputed:
 * the same values, since each pixel is the same function of the same input pixels. When it
 * gives its frame as palette indices (a 2600 core), luma is looked up per colour, not computed
 * per pixel: the same values again (see GrayAreaResizer.resizeIndexed).
 */
export class GrayResize extends Wrapper<Uint8Array> {
  readonly size: number;
  readonly resizer: GrayAreaResizer;
  /** The game's change reports, or null when it redraws whole frames. */
  readonly changes: FrameChanges | null;
  /** The game's frame as palette indices (when it has no change reports), or null. */
  readonly indexed: IndexedFrame | null;
  /** Observations computed from reported changes alone (for tests). */
  partialUpdates = 0;
  private readonly output: Uint8Array;
  private readonly space: BoxSpace;
  /** The buffer `output` was last computed from (changes are reported per buffer). */
  private lastFrame: Uint8Array | null = null;

  constructor(env: Env<Uint8Array>, size = 84) {
    super(env);
    const [h, w, c] = env.observationSpace.shape;
    if (c !== 3) throw new Error(`GrayResize needs RGB frames [h, w, 3], got [${env.observationSpace.shape}]`);
    this.size = size;
    this.resizer = new GrayAreaResizer(h, w, size);
    this.output = new Uint8Array(size * size);
    this.space = { kind: 'box', shape: [size, size], low: 0, high: 255 };
    this.changes = below(env, reportsFrameChanges)?.watchFrameChanges() ?? null;
    this.indexed = this.changes === null ? below(env, reportsIndexedFrames)?.indexedFrame() ?? null : null;
  }

  override get observationSpace(): BoxSpace { return this.space; }

  reset(options?: ResetOptions): ResetResult<Uint8Array> {
    const r = this.env.reset(options);
    return { ...r, observation: this.observe(r.observation) };
  }

  step(action: number): StepResult<Uint8Array> {
    const r = this.env.step(action);
    return { ...r, observation: this.observe(r.observation) };
  }

  /** Converts any RGB frame whole; the result is reused by the next call. */
  transform(rgb: Uint8Array): Uint8Array {
    this.resizer.resize(rgb, this.output);
    this.lastFrame = null;
    return this.output;
  }

  /** Converts the game's observation, recomputing only what its reported changes touch. */
  private observe(rgb: Uint8Array): Uint8Array {
    const changes = this.changes, indexed = this.indexed;
    if (indexed !== null) {
      this.resizer.resizeIndexed(indexed.indices, indexed.palette, this.output);
      return this.output;
    }
    if (changes === null) return this.transform(rgb);
    if (changes.all || rgb !== this.lastFrame) {
      this.resizer.resize(rgb, this.output);
    } else {
      this.partialUpdates++;
      const r = changes.rects;
      for (let k = 0; k < changes.count; k++) this.resizer.resizeRegion(rgb, this.output, r[4 * k], r[4 * k + 1], r[4 * k + 2], r[4 * k + 3]);
    }
    changes.clear();
    this.lastFrame = rgb;
    return this.output;
  }
}

/** The environment under `env` that `has` what is wanted, reached through wrappers that pass observations on unchanged. */
function below<T extends object>(env: Env<Uint8Array>, has: (env: object) => env is T): T | null {
  for (let e: Env<Uint8Array> = env; ;) {
    if (has(e)) return e;
    if (!(e instanceof Wrapper) || !e.passesObservationsOn) return null;
    e = e.env as Env<Uint8Array>;
  }
}
