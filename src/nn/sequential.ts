import type { Layer, ParamTensorSpec } from './layer.js';
import { Rng } from '../util/rng.js';
import { HeapAllocator, type Allocator, type Kernels } from './kernels/backend.js';
import { isRecurrent, type RecurrentLayer } from './lstm.js';

/** Where a named tensor lives in the flat parameter buffer. */
export interface ParamTensor extends ParamTensorSpec {
  offset: number;
  length: number;
}

/**
 * A stack of layers whose parameters (and gradients) are one flat Float32Array each: the global
 * copy can live in a SharedArrayBuffer, a local copy is one `set()`, a checkpoint one write.
 */
export class Sequential {
  readonly layers: readonly Layer[];
  readonly paramCount: number;
  readonly params: Float32Array;
  readonly grads: Float32Array;
  /** [maxBatch, inputSize]: callers write samples here, then call forward on their rows. */
  readonly input: Float32Array;
  readonly maxBatch: number;
  /** The kernels the layers run (for whole-network passes such as the gradient norm). */
  readonly kernels: Kernels;
  /**
   * Floats of recurrent state the network carries between forward steps (0: feed-forward).
   * With recurrent layers, rows are time steps: forward runs them in order from the carried
   * state, and backward runs through time over the rows it is given.
   */
  readonly stateSize: number;
  private readonly recurrent: RecurrentLayer[];

  constructor(layers: Layer[], maxBatch: number, params?: Float32Array, allocator: Allocator = new HeapAllocator()) {
    for (let i = 1; i < layers.length; i++) {
      if (layers[i].inputSize !== layers[i - 1].outputSize) {
        throw new Error(`layer ${layers[i].name} expects ${layers[i].inputSize} inputs, ${layers[i - 1].name} gives ${layers[i - 1].outputSize}`);
      }
    }
    this.layers = layers;
    this.maxBatch = maxBatch;
    this.kernels = allocator.kernels;
    this.paramCount = layers.reduce((sum, layer) => sum + layer.paramCount, 0);
    if (params && params.length !== this.paramCount) {
      throw new Error(`parameter buffer has ${params.length} floats, the network needs ${this.paramCount}`);
    }
    this.recurrent = layers.filter(isRecurrent);
    this.stateSize = this.recurrent.reduce((sum, layer) => sum + layer.stateSize, 0);
    this.params = params ?? allocator.floats(this.paramCount);
    this.grads = allocator.floats(this.paramCount);
    this.input = allocator.floats(maxBatch * layers[0].inputSize);
    let offset = 0;
    for (const layer of layers) {
      layer.bind(this.params.subarray(offset, offset + layer.paramCount), this.grads.subarray(offset, offset + layer.paramCount));
      offset += layer.paramCount;
    }
  }

  get inputSize(): number { return this.layers[0].inputSize; }
  get outputSize(): number { return this.layers[this.layers.length - 1].outputSize; }
  /** [maxBatch, outputSize] output of the last layer. */
  get output(): Float32Array { return this.layers[this.layers.length - 1].output; }

  initialize(seed: number): void {
    const rng = new Rng(seed);
    for (const layer of this.layers) layer.initialize(rng);
  }

  /** Starts the recurrent state afresh (a new episode); nothing for a feed-forward network. */
  resetState(): void {
    for (const layer of this.recurrent) layer.resetState();
  }

  /** Copies the recurrent state into `target` (stateSize floats), e.g. to look ahead and come back. */
  readState(target: Float32Array): void {
    let offset = 0;
    for (const layer of this.recurrent) { layer.readState(target, offset); offset += layer.stateSize; }
  }

  /** Sets the recurrent state from `source`, as readState wrote it. */
  writeState(source: Float32Array): void {
    let offset = 0;
    for (const layer of this.recurrent) { layer.writeState(source, offset); offset += layer.stateSize; }
  }

  forward(row0: number, rows: number): void {
    let input = this.input;
    for (const layer of this.layers) {
      layer.forward(input, row0, rows);
      input = layer.output;
    }
  }

  /**
   * Copies row `from`'s input and every layer's activations to row `to`, so a backward over rows
   * that were computed elsewhere finds them there. Feed-forward networks only: a recurrent layer
   * keeps per-row values of its own.
   */
  copyRow(from: number, to: number): void {
    if (this.stateSize > 0) throw new Error('copyRow: a recurrent network keeps values per row that it cannot move');
    const n = this.inputSize;
    this.input.copyWithin(to * n, from * n, (from + 1) * n);
    for (const layer of this.layers) {
      const m = layer.outputSize;
      layer.output.copyWithin(to * m, from * m, (from + 1) * m);
    }
  }

  /** Writes into `grads` (overwriting them: no zeroing pass needed) the gradient of a loss whose output gradient is given. */
  backward(outputGrad: Float32Array, row0: number, rows: number): void {
    let grad = outputGrad;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i];
      const input = i === 0 ? this.input : this.layers[i - 1].output;
      layer.backward(input, grad, row0, rows, i > 0);
      grad = layer.inputGrad;
    }
  }

  tensors(): ParamTensor[] {
    const result: ParamTensor[] = [];
    let offset = 0;
    for (const layer of this.layers) {
      for (const spec of layer.tensors()) {
        const length = spec.shape.reduce((a, b) => a * b, 1);
        result.push({ ...spec, offset, length });
        offset += length;
      }
    }
    return result;
  }
}
