import { HeapAllocator, type Allocator, type Kernels } from './kernels/backend.js';
import { glorotUniform, type Activation, type Layer, type ParamTensorSpec } from './layer.js';
import type { Rng } from '../util/rng.js';

export interface DenseOptions {
  name: string;
  inputSize: number;
  outputSize: number;
  activation: Activation;
  maxBatch: number;
  /** Where buffers live and which kernels run (default: plain arrays, TypeScript kernels). */
  allocator?: Allocator;
  /** False for a first layer: no buffers for the gradient with respect to its input. */
  inputGradient?: boolean;
  /**
   * Column groups initialized as separate Glorot matrices, e.g. [3, 1] for fused policy and value
   * heads, so each gets the limit Keras would give it as its own layer. Default: one group.
   */
  initGroups?: number[];
}

/** Fully connected layer y = act(x W + b), W stored [inputSize, outputSize] (Keras layout). */
export class Dense implements Layer {
  readonly name: string;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly paramCount: number;
  readonly output: Float32Array;
  readonly inputGrad: Float32Array;
  private readonly activation: Activation;
  private readonly preGrad: Float32Array;
  private readonly initGroups: number[];
  private readonly kernels: Kernels;
  private params: Float32Array = new Float32Array(0);
  private grads: Float32Array = new Float32Array(0);

  constructor(options: DenseOptions) {
    this.name = options.name;
    this.inputSize = options.inputSize;
    this.outputSize = options.outputSize;
    this.activation = options.activation;
    this.paramCount = this.inputSize * this.outputSize + this.outputSize;
    const alloc = options.allocator ?? new HeapAllocator();
    this.kernels = alloc.kernels;
    this.output = alloc.floats(options.maxBatch * this.outputSize);
    this.inputGrad = alloc.floats((options.inputGradient ?? true) ? options.maxBatch * this.inputSize : 0);
    this.preGrad = alloc.floats(options.maxBatch * this.outputSize);
    this.initGroups = options.initGroups ?? [this.outputSize];
    if (this.initGroups.reduce((a, b) => a + b, 0) !== this.outputSize) {
      throw new Error(`${this.name}: initGroups must sum to outputSize ${this.outputSize}`);
    }
  }

  tensors(): ParamTensorSpec[] {
    return [
      { name: `${this.name}.kernel`, shape: [this.inputSize, this.outputSize] },
      { name: `${this.name}.bias`, shape: [this.outputSize] },
    ];
  }

  bind(params: Float32Array, grads: Float32Array): void {
    this.params = params;
    this.grads = grads;
  }

  initialize(rng: Rng): void {
    const { inputSize, outputSize } = this;
    let start = 0;
    for (const width of this.initGroups) {
      const block = new Float32Array(inputSize * width);
      glorotUniform(block, inputSize, width, rng);
      for (let i = 0; i < inputSize; i++) {
        for (let j = 0; j < width; j++) this.params[i * outputSize + start + j] = block[i * width + j];
      }
      start += width;
    }
    this.params.fill(0, inputSize * outputSize); // zero biases
  }

  forward(input: Float32Array, row0: number, rows: number): void {
    const { inputSize: K, outputSize: N, params } = this;
    this.kernels.gemmNN(rows, N, K, input, row0 * K, params, 0, this.output, row0 * N, false);
    this.kernels.biasActivation(rows, N, this.output, row0 * N, params, K * N, this.activation === 'relu');
  }

  backward(input: Float32Array, outputGrad: Float32Array, row0: number, rows: number, wantInputGrad: boolean): void {
    const { inputSize: K, outputSize: N, params, grads } = this;
    let gradPre = outputGrad;
    if (this.activation === 'relu') {
      this.kernels.reluBackward(rows * N, row0 * N, this.output, outputGrad, this.preGrad);
      gradPre = this.preGrad;
    }
    this.kernels.gemmTN(K, N, rows, input, row0 * K, gradPre, row0 * N, grads, 0, false);
    this.kernels.biasGradient(rows, N, gradPre, row0 * N, grads, K * N, false);
    if (wantInputGrad && this.inputGrad.length === 0) throw new Error(`${this.name} was built without input gradients`);
    if (wantInputGrad) this.kernels.gemmNT(rows, K, N, gradPre, row0 * N, params, 0, this.inputGrad, row0 * K, false);
  }
}
