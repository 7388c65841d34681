import { HeapAllocator, type Allocator, type Kernels } from './kernels/backend.js';
import { glorotUniform, type Layer, type ParamTensorSpec } from './layer.js';
import type { Rng } from '../util/rng.js';

/**
 * A layer that carries a state from one forward step to the next (an LSTM's h and c). Rows of
 * its buffers are time steps: a forward over rows [row0, row0+rows) runs them in order from the
 * current state and leaves the state after the last one.
 */
export interface RecurrentLayer extends Layer {
  /** Floats of the carried state. */
  readonly stateSize: number;
  /** Zeroes the carried state (a new episode). */
  resetState(): void;
  /** Copies the carried state into `target` at `offset`. */
  readState(target: Float32Array, offset: number): void;
  /** Sets the carried state from `source` at `offset`. */
  writeState(source: Float32Array, offset: number): void;
}

export function isRecurrent(layer: Layer): layer is RecurrentLayer {
  return typeof (layer as Partial<RecurrentLayer>).resetState === 'function';
}

export interface LstmOptions {
  name: string;
  inputSize: number;
  /** Cells (the size of h and c). */
  cells: number;
  maxBatch: number;
  allocator?: Allocator;
  /** False for a first layer: no buffers for the gradient with respect to its input. */
  inputGradient?: boolean;
}

/**
 * Long short-term memory, Keras' layout and gate order (input, forget, cell, output):
 *   z_t = x_t Wx + h_{t-1} Wh + b,  [i, f, g, o] = [sig, sig, tanh, sig](z_t)
 *   c_t = f * c_{t-1} + i * g,      h_t = o * tanh(c_t)  (the output).
 * The gate matmuls are the gemm kernels (SIMD under 'wasm'); the rest is elementwise. Forward
 * keeps each row's gates, cell and previous state, so backward runs through time over the rows
 * it is given (truncated BPTT: no gradient reaches the state the first row started from).
 */
export class Lstm implements RecurrentLayer {
  readonly name: string;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly paramCount: number;
  readonly stateSize: number;
  /** [maxBatch, cells]: h_t. */
  readonly output: Float32Array;
  readonly inputGrad: Float32Array;
  private readonly cells: number;
  private readonly kernels: Kernels;
  /** [maxBatch, 4*cells] gate activations i, f, g, o (after their nonlinearities). */
  private readonly gates: Float32Array;
  /** [maxBatch, cells]: c_t. */
  private readonly cellState: Float32Array;
  /** [maxBatch, cells] each: the state (h, c) a row started from. */
  private readonly previousH: Float32Array;
  private readonly previousC: Float32Array;
  /** The carried state: h then c. */
  private readonly state: Float32Array;
  /** [maxBatch, 4*cells] gradient w.r.t. the gates' pre-activations. */
  private readonly gateGrad: Float32Array;
  /** Gradients flowing back from step t+1 into h_t and c_t. */
  private readonly laterH: Float32Array;
  private readonly laterC: Float32Array;
  private params: Float32Array = new Float32Array(0);
  private grads: Float32Array = new Float32Array(0);

  constructor(options: LstmOptions) {
    const { inputSize, cells, maxBatch } = options;
    if (!Number.isInteger(cells) || cells < 1) throw new Error(`${options.name}: cells must be a positive integer, got ${cells}`);
    this.name = options.name;
    this.inputSize = inputSize;
    this.outputSize = cells;
    this.cells = cells;
    this.stateSize = 2 * cells;
    this.paramCount = (inputSize + cells) * 4 * cells + 4 * cells;
    const alloc = options.allocator ?? new HeapAllocator();
    this.kernels = alloc.kernels;
    this.output = alloc.floats(maxBatch * cells);
    this.inputGrad = alloc.floats((options.inputGradient ?? true) ? maxBatch * inputSize : 0);
    this.gates = alloc.floats(maxBatch * 4 * cells);
    this.cellState = alloc.floats(maxBatch * cells);
    this.previousH = alloc.floats(maxBatch * cells);
    this.previousC = alloc.floats(maxBatch * cells);
    this.state = alloc.floats(2 * cells);
    this.gateGrad = alloc.floats(maxBatch * 4 * cells);
    this.laterH = alloc.floats(cells);
    this.laterC = alloc.floats(cells);
  }

  tensors(): ParamTensorSpec[] {
    const G = 4 * this.cells;
    return [
      { name: `${this.name}.kernel`, shape: [this.inputSize, G] },
      { name: `${this.name}.recurrent_kernel`, shape: [this.cells, G] },
      { name: `${this.name}.bias`, shape: [G] },
    ];
  }

  bind(params: Float32Array, grads: Float32Array): void {
    this.params = params;
    this.grads = grads;
  }

  /** Keras' LSTM defaults: Glorot uniform kernel, orthogonal recurrent kernel, zero bias but 1 for the forget gate. */
  initialize(rng: Rng): void {
    const { inputSize: D, cells: H, params } = this;
    const G = 4 * H;
    glorotUniform(params.subarray(0, D * G), D, G, rng);
    orthogonalRows(params.subarray(D * G, (D + H) * G), H, G, rng);
    const bias = params.subarray((D + H) * G);
    bias.fill(0);
    bias.fill(1, H, 2 * H);
  }

  resetState(): void {
    this.state.fill(0);
  }

  readState(target: Float32Array, offset: number): void {
    target.set(this.state, offset);
  }

  writeState(source: Float32Array, offset: number): void {
    this.state.set(source.subarray(offset, offset + this.stateSize));
  }

  forward(input: Float32Array, row0: number, rows: number): void {
    const { inputSize: D, cells: H, params, gates, state, kernels } = this;
    const G = 4 * H;
    // The input part of every row in one matmul; the recurrent part must go step by step.
    kernels.gemmNN(rows, G, D, input, row0 * D, params, 0, gates, row0 * G, false);
    const biasOffset = (D + H) * G;
    for (let r = row0; r < row0 + rows; r++) {
      const hRow = r * H, gRow = r * G;
      this.previousH.set(state.subarray(0, H), hRow);
      this.previousC.set(state.subarray(H), hRow);
      kernels.gemmNN(1, G, H, this.previousH, hRow, params, D * G, gates, gRow, true);
      for (let j = 0; j < H; j++) {
        const i = sigmoid(gates[gRow + j] + params[biasOffset + j]);
        const f = sigmoid(gates[gRow + H + j] + params[biasOffset + H + j]);
        const g = Math.tanh(gates[gRow + 2 * H + j] + params[biasOffset + 2 * H + j]);
        const o = sigmoid(gates[gRow + 3 * H + j] + params[biasOffset + 3 * H + j]);
        gates[gRow + j] = i;
        gates[gRow + H + j] = f;
        gates[gRow + 2 * H + j] = g;
        gates[gRow + 3 * H + j] = o;
        const c = f * state[H + j] + i * g;
        const h = o * Math.tanh(c);
        this.cellState[hRow + j] = c;
        this.output[hRow + j] = h;
        state[j] = h;
        state[H + j] = c;
      }
    }
  }

  backward(input: Float32Array, outputGrad: Float32Array, row0: number, rows: number, wantInputGrad: boolean): void {
    const { inputSize: D, cells: H, params, grads, gates, gateGrad, laterH, laterC, kernels } = this;
    const G = 4 * H;
    laterH.fill(0);
    laterC.fill(0);
    for (let r = row0 + rows - 1; r >= row0; r--) {
      const hRow = r * H, gRow = r * G;
      for (let j = 0; j < H; j++) {
        const i = gates[gRow + j], f = gates[gRow + H + j], g = gates[gRow + 2 * H + j], o = gates[gRow + 3 * H + j];
        const tanhC = Math.tanh(this.cellState[hRow + j]);
        const dh = outputGrad[hRow + j] + laterH[j];
        const dc = laterC[j] + dh * o * (1 - tanhC * tanhC);
        gateGrad[gRow + j] = dc * g * i * (1 - i);
        gateGrad[gRow + H + j] = dc * this.previousC[hRow + j] * f * (1 - f);
        gateGrad[gRow + 2 * H + j] = dc * i * (1 - g * g);
        gateGrad[gRow + 3 * H + j] = dh * tanhC * o * (1 - o);
        laterC[j] = dc * f;
      }
      // dL/dh_{t-1} = dz_t Wh^T; the first row's is dropped (the truncation).
      if (r > row0) kernels.gemmNT(1, H, G, gateGrad, gRow, params, D * G, laterH, 0, false);
    }
    kernels.gemmTN(D, G, rows, input, row0 * D, gateGrad, row0 * G, grads, 0, false);
    kernels.gemmTN(H, G, rows, this.previousH, row0 * H, gateGrad, row0 * G, grads, D * G, false);
    kernels.biasGradient(rows, G, gateGrad, row0 * G, grads, (D + H) * G, false);
    if (wantInputGrad && this.inputGrad.length === 0) throw new Error(`${this.name} was built without input gradients`);
    if (wantInputGrad) kernels.gemmNT(rows, D, G, gateGrad, row0 * G, params, 0, this.inputGrad, row0 * D, false);
  }
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * `rows` orthonormal rows of length `columns` (rows <= columns) from Gaussian noise by
 * Gram-Schmidt, as Keras' Orthogonal initializer gives a [rows, columns] matrix.
 */
function orthogonalRows(target: Float32Array, rows: number, columns: number, rng: Rng): void {
  const m = new Float64Array(rows * columns);
  for (let i = 0; i < m.length; i++) m[i] = rng.normal();
  for (let r = 0; r < rows; r++) {
    const row = r * columns;
    for (let p = 0; p < r; p++) {
      const prev = p * columns;
      let dot = 0;
      for (let k = 0; k < columns; k++) dot += m[row + k] * m[prev + k];
      for (let k = 0; k < columns; k++) m[row + k] -= dot * m[prev + k];
    }
    let norm = 0;
    for (let k = 0; k < columns; k++) norm += m[row + k] * m[row + k];
    norm = Math.sqrt(norm);
    for (let k = 0; k < columns; k++) m[row + k] /= norm;
  }
  for (let i = 0; i < m.length; i++) target[i] = m[i];
}
