import type { BoxSpace, Env, ResetOptions, ResetResult, StepResult } from '../envs/env.js';
import { GrayAreaResizer } from './grayArea.js';
import { Wrapper } from './wrapper.js';

/**
 * RGB frame -> grayscale, resized by area averaging to `size` x `size` uint8. Luma weights are
 * skimage's rgb2gray (0.2125, 0.7154, 0.0721), which the reference uses; area averaging is the
 * anti-aliased downscale skimage's resize performs, and values are truncated to uint8 as the
 * reference's np.uint8(...) does. Computed in one fused integer pass (GrayAreaResizer), equal
 * in value to the float recipe.
 */
export class GrayResize extends Wrapper<Uint8Array> {
  readonly size: number;
  readonly resizer: GrayAreaResizer;
  private readonly output: Uint8Array;
  private readonly space: BoxSpace;

  constructor(env: Env<Uint8Array>, size = 84) {
    super(env);
    const [h, w, c] = env.observationSpace.shape;
    if (c !== 3) throw new Error(`GrayResize needs RGB frames [h, w, 3], got [${env.observationSpace.shape}]`);
    this.size = size;
    this.resizer = new GrayAreaResizer(h, w, size);
    this.output = new Uint8Array(size * size);
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
    this.resizer.resize(rgb, this.output);
    return this.output;
  }
}
