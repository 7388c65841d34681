import type { BoxSpace, Env, ResetOptions, ResetResult, StepResult } from '../envs/env.js';
import { Wrapper } from './wrapper.js';

export interface FrameStackOptions {
  /** Frames stacked (the reference: 4). */
  depth: number;
  /** After a lost life the stack is refilled with the new frame (the reference does this). */
  refillOnLifeLoss: boolean;
}

/**
 * Stacks the last `depth` uint8 frames into one float observation scaled to [0, 1], laid out
 * [height, width, depth] (NHWC) with the newest frame in channel 0, as the reference builds
 * its history. Frames live in a ring: a step stores one frame and writes the output once; the
 * older frames are never shifted.
 */
export class FrameStack extends Wrapper<Uint8Array, Float32Array> {
  private readonly ring: Uint8Array[];
  private newest = 0;
  private readonly output: Float32Array;
  private readonly pixels: number;
  private readonly space: BoxSpace;
  private readonly o: FrameStackOptions;

  constructor(env: Env<Uint8Array>, options: Partial<FrameStackOptions> = {}) {
    super(env);
    this.o = { depth: 4, refillOnLifeLoss: true, ...options };
    const shape = env.observationSpace.shape;
    if (shape.length !== 2) throw new Error(`FrameStack needs 2-D grayscale frames, got shape [${shape}]`);
    this.pixels = shape[0] * shape[1];
    this.ring = Array.from({ length: this.o.depth }, () => new Uint8Array(this.pixels));
    this.output = new Float32Array(this.pixels * this.o.depth);
    this.space = { kind: 'box', shape: [shape[0], shape[1], this.o.depth], low: 0, high: 1 };
  }

  override get observationSpace(): BoxSpace { return this.space; }

  reset(options?: ResetOptions): ResetResult<Float32Array> {
    const r = this.env.reset(options);
    this.fill(r.observation);
    return { ...r, observation: this.write() };
  }

  step(action: number): StepResult<Float32Array> {
    const r = this.env.step(action);
    if (this.o.refillOnLifeLoss && r.info.lifeLost) this.fill(r.observation);
    else this.push(r.observation);
    return { ...r, observation: this.write() };
  }

  private push(frame: Uint8Array): void {
    this.newest = (this.newest + 1) % this.o.depth;
    this.ring[this.newest].set(frame);
  }

  private fill(frame: Uint8Array): void {
    for (const slot of this.ring) slot.set(frame);
  }

  /** Interleaves the ring into the NHWC output, newest first. */
  private write(): Float32Array {
    const depth = this.o.depth;
    const out = this.output;
    const scale = 1 / 255;
    for (let k = 0; k < depth; k++) {
      const frame = this.ring[(this.newest - k + depth) % depth];
      for (let p = 0, q = k; p < this.pixels; p++, q += depth) out[q] = frame[p] * scale;
    }
    return out;
  }
}
