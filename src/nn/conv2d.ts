import { HeapAllocator, type Allocator, type Kernels } from './kernels/backend.js';
import type { ConvGeometry } from './kernels/conv.js';
import { glorotUniform, type Activation, type Layer, type ParamTensorSpec } from './layer.js';
import type { Rng } from '../util/rng.js';

export interface Conv2dOptions {
  name: string;
  inputHeight: number;
  inputWidth: number;
  inputChannels: number;
  filters: number;
  kernelSize: number;
  stride: number;
  activation: Activation;
  maxBatch: number;
  /** Where buffers live and which kernels run (default: plain arrays, TypeScript kernels). */
  allocator?: Allocator;
  /** False for a first layer: no buffers for the gradient with respect to its input. */
  inputGradient?: boolean;
}

/**
 * 2-D convolution, 'valid' padding, NHWC activations and a [kh, kw, in, out] kernel.
 * NHWC because it is Keras' layout (the reference's weights map over directly) and because one
 * kernel row of an NHWC input is a contiguous run of kw*channels floats, so the kernels read each
 * patch straight from the input, and the input gradient is added straight back into the patches
 * (implicit GEMMs: no unrolled copies, which were 8 MB at batch 20 for conv1).
 */
export class Conv2d implements Layer {
  readonly name: string;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly paramCount: number;
  readonly output: Float32Array;
  readonly inputGrad: Float32Array;
  readonly outputHeight: number;
  readonly outputWidth: number;
  readonly filters: number;
  private readonly o: Conv2dOptions;
  /** Working space for the input gradient (the SIMD kernel packs the weights there). */
  private readonly inputGradScratch: Float32Array;
  private readonly preGrad: Float32Array;
  private readonly patchSize: number;
  private readonly geometry: ConvGeometry;
  private readonly kernels: Kernels;
  private params: Float32Array = new Float32Array(0);
  private grads: Float32Array = new Float32Array(0);

  constructor(options: Conv2dOptions) {
    const o = options;
    if (o.inputHeight < o.kernelSize || o.inputWidth < o.kernelSize) {
      throw new Error(`${o.name}: input ${o.inputHeight}x${o.inputWidth} smaller than kernel ${o.kernelSize}`);
    }
    this.o = o;
    this.name = o.name;
    this.filters = o.filters;
    this.outputHeight = Math.floor((o.inputHeight - o.kernelSize) / o.stride) + 1;
    this.outputWidth = Math.floor((o.inputWidth - o.kernelSize) / o.stride) + 1;
    this.inputSize = o.inputHeight * o.inputWidth * o.inputChannels;
    this.outputSize = this.outputHeight * this.outputWidth * o.filters;
    this.patchSize = o.kernelSize * o.kernelSize * o.inputChannels;
    this.paramCount = this.patchSize * o.filters + o.filters;
    this.geometry = { H: o.inputHeight, W: o.inputWidth, C: o.inputChannels, KS: o.kernelSize, S: o.stride, OH: this.outputHeight, OW: this.outputWidth };
    const alloc = o.allocator ?? new HeapAllocator();
    this.kernels = alloc.kernels;
    this.output = alloc.floats(o.maxBatch * this.outputSize);
    const inputGradient = o.inputGradient ?? true;
    this.inputGrad = alloc.floats(inputGradient ? o.maxBatch * this.inputSize : 0);
    this.preGrad = alloc.floats(o.maxBatch * this.outputSize);
    this.inputGradScratch = alloc.floats(inputGradient ? this.patchSize * o.filters : 0);
  }

  tensors(): ParamTensorSpec[] {
    const { kernelSize, inputChannels, filters } = this.o;
    return [
      { name: `${this.name}.kernel`, shape: [kernelSize, kernelSize, inputChannels, filters] },
      { name: `${this.name}.bias`, shape: [filters] },
    ];
  }

  bind(params: Float32Array, grads: Float32Array): void {
    this.params = params;
    this.grads = grads;
  }

  initialize(rng: Rng): void {
    const { kernelSize, filters } = this.o;
    const kernel = this.params.subarray(0, this.patchSize * filters);
    glorotUniform(kernel, this.patchSize, kernelSize * kernelSize * filters, rng);
    this.params.fill(0, this.patchSize * filters);
  }

  forward(input: Float32Array, row0: number, rows: number): void {
    const F = this.filters;
    const pixels = this.outputHeight * this.outputWidth;
    this.kernels.convForward(this.geometry, F, rows, input, row0 * this.inputSize, this.params, 0, this.output, row0 * pixels * F);
    this.kernels.biasActivation(rows * pixels, F, this.output, row0 * pixels * F, this.params, this.patchSize * F, this.o.activation === 'relu');
  }

  backward(input: Float32Array, outputGrad: Float32Array, row0: number, rows: number, wantInputGrad: boolean): void {
    const pixels = this.outputHeight * this.outputWidth;
    const F = this.filters;
    const K = this.patchSize;
    let gradPre = outputGrad;
    if (this.o.activation === 'relu') {
      this.kernels.reluBackward(rows * this.outputSize, row0 * this.outputSize, this.output, outputGrad, this.preGrad);
      gradPre = this.preGrad;
    }
    const start = row0 * pixels;
    const count = rows * pixels;
    this.kernels.convFilterGrad(this.geometry, F, rows, input, row0 * this.inputSize, gradPre, start * F, this.grads, 0);
    this.kernels.biasGradient(count, F, gradPre, start * F, this.grads, K * F, false);
    if (!wantInputGrad) return;
    if (this.inputGrad.length === 0) throw new Error(`${this.name} was built without input gradients`);
    this.kernels.convInputGrad(this.geometry, F, rows, gradPre, start * F, this.params, 0, this.inputGrad, row0 * this.inputSize, this.inputGradScratch);
  }
}
