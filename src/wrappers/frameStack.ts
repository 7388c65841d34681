import type { BoxSpace, Env, ResetOptions, ResetResult, StepResult } from '../envs/env.js';
import { Wrapper } from './wrapper.js';

export interface FrameStackOptions {
  /** Frames stacked (the reference: 4). */
  depth: number;
  /** After a lost life the stack is refilled with the new frame (the reference does this). */
  refillOnLifeLoss: boolean;
}

/** Steps between two moves of the window back to the end of its buffer. */
const SLACK = 1024;

/**
 * Stacks the last `depth` uint8 frames into one float observation scaled to [0, 1], laid out
 * [height, width, depth] (NHWC) with the newest frame in channel 0, as the reference builds
 * its history.
 *
 * No frame is copied or converted twice: the observation is a window sliding backwards over
 * one float buffer. Moving the window one float down turns channel k into channel k + 1 for
 * every pixel at once, and the slots the new frame must fill (channel 0 of each pixel) are
 * exactly the ones the oldest frame leaves; so a step writes the new frame once and nothing
 * else. Every SLACK steps the window is moved back to the buffer's end in one native copy.
 * The observation is reused (overwritten) by the next step, as before.
 */
export class FrameStack extends Wrapper<Uint8Array, Float32Array> {
  private readonly buffer: Float32Array;
  /** Views of the buffer, one per window position, made once. */
  private readonly windows: (Float32Array | undefined)[] = [];
  private start = SLACK;
  private readonly pixels: number;
  private readonly space: BoxSpace;
  private readonly o: FrameStackOptions;

  constructor(env: Env<Uint8Array>, options: Partial<FrameStackOptions> = {}) {
    super(env);
    this.o = { depth: 4, refillOnLifeLoss: true, ...options };
    const shape = env.observationSpace.shape;
    if (shape.length !== 2) throw new Error(`FrameStack needs 2-D grayscale frames, got shape [${shape}]`);
    this.pixels = shape[0] * shape[1];
    this.buffer = new Float32Array(this.pixels * this.o.depth + SLACK);
    this.space = { kind: 'box', shape: [shape[0], shape[1], this.o.depth], low: 0, high: 1 };
  }

  override get observationSpace(): BoxSpace { return this.space; }

  reset(options?: ResetOptions): ResetResult<Float32Array> {
    const r = this.env.reset(options);
    this.fill(r.observation);
    return { ...r, observation: this.window() };
  }

  step(action: number): StepResult<Float32Array> {
    const r = this.env.step(action);
    if (this.o.refillOnLifeLoss && r.info.lifeLost) this.fill(r.observation);
    else this.push(r.observation);
    return { ...r, observation: this.window() };
  }

  private push(frame: Uint8Array): void {
    const { buffer, pixels } = this, depth = this.o.depth;
    if (this.start === 0) {
      buffer.copyWithin(SLACK, 0, pixels * depth);
      this.start = SLACK;
    }
    const start = --this.start;
    // Four pixels an iteration; the multiply's result, stored as float32, is v / 255 rounded once.
    const whole = pixels - (pixels % 4), step = 4 * depth;
    let p = 0, q = start;
    for (; p < whole; p += 4, q += step) {
      buffer[q] = frame[p] * INV_255;
      buffer[q + depth] = frame[p + 1] * INV_255;
      buffer[q + 2 * depth] = frame[p + 2] * INV_255;
      buffer[q + 3 * depth] = frame[p + 3] * INV_255;
    }
    for (; p < pixels; p++, q += depth) buffer[q] = frame[p] * INV_255;
  }

  private fill(frame: Uint8Array): void {
    const { buffer, pixels, start } = this, depth = this.o.depth;
    if (depth === 4) { // the preset's depth, written out: a refill follows every lost life
      for (let p = 0, q = start; p < pixels; p++, q += 4) {
        const v = frame[p] * INV_255;
        buffer[q] = v; buffer[q + 1] = v; buffer[q + 2] = v; buffer[q + 3] = v;
      }
      return;
    }
    for (let p = 0, q = start; p < pixels; p++, q += depth) {
      const v = frame[p] * INV_255;
      for (let k = 0; k < depth; k++) buffer[q + k] = v;
    }
  }

  private window(): Float32Array {
    const s = this.start;
    return this.windows[s] ??= this.buffer.subarray(s, s + this.pixels * this.o.depth);
  }
}

/** A uint8 v times this, stored in a Float32Array, is v / 255 rounded to float32 (a multiply is cheaper than a table). */
const INV_255 = 1 / 255;
