import type { Rng } from '../util/rng.js';

/** One named parameter tensor of a layer (e.g. `conv1.kernel`), as stored in checkpoints. */
export interface ParamTensorSpec {
  name: string;
  shape: number[];
}

/**
 * A layer works on row ranges of buffers sized for `maxBatch` samples, so the forward pass made
 * while acting (one row at a time) leaves exactly the activations the update's backward needs.
 */
export interface Layer {
  readonly name: string;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly paramCount: number;
  /** [maxBatch, outputSize] activations, written by forward. */
  readonly output: Float32Array;
  /** [maxBatch, inputSize] gradient w.r.t. the input, written by backward when asked. */
  readonly inputGrad: Float32Array;
  tensors(): ParamTensorSpec[];
  /** Points the layer at its slice of the flat parameter and gradient buffers. */
  bind(params: Float32Array, grads: Float32Array): void;
  /** Writes initial values into the bound parameters. */
  initialize(rng: Rng): void;
  forward(input: Float32Array, row0: number, rows: number): void;
  /** Writes (overwrites) the parameter gradients for rows [row0, row0+rows); fills inputGrad if asked. */
  backward(input: Float32Array, outputGrad: Float32Array, row0: number, rows: number, wantInputGrad: boolean): void;
}

export type Activation = 'relu' | 'linear';

/** Glorot (Xavier) uniform, Keras' default kernel initializer: U(-l, l), l = sqrt(6/(fanIn+fanOut)). */
export function glorotUniform(target: Float32Array, fanIn: number, fanOut: number, rng: Rng): void {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  for (let i = 0; i < target.length; i++) target[i] = rng.uniform(-limit, limit);
}
