import { builtWasmModule } from '../../util/builtWasm.js';
import { adamStep, rmsPropStep, scheduledLearningRate, type AdamOptions, type LearningRateSchedule, type RmsPropOptions } from '../optimizers.js';

/**
 * Which optimizer the global network uses, with its settings (a run's config passes its own);
 * `schedule` moves `learningRate` with the training's progress (none: constant).
 */
export type OptimizerSettings = (({ kind: 'adam' } & AdamOptions) | ({ kind: 'rmsprop' } & RmsPropOptions)) & { schedule?: LearningRateSchedule };

/** The settings with the learning rate the schedule gives after `progress` steps of training. */
export function atProgress(config: OptimizerSettings, progress: number): OptimizerSettings {
  if (!config.schedule || config.schedule.kind === 'constant') return config;
  return { ...config, learningRate: scheduledLearningRate(config.learningRate, config.schedule, progress) };
}

/**
 * The optimizer step on the global network as SIMD code (assembly/optimizer.ts), bound to the
 * shared WebAssembly memory that holds the global parameters, moments and gradient slots.
 */
interface OptimizerExports {
  adam(n: number, params: number, grads: number, m: number, v: number, gradScale: number,
    stepSize: number, beta1: number, beta2: number, oneMinusBeta1: number, oneMinusBeta2: number, epsilon: number, sqrtC2: number, tfStyle: number, copyTo: number): void;
  rmsprop(n: number, params: number, grads: number, g: number, gradScale: number, lr: number, alpha: number, oneMinusAlpha: number, epsilon: number, copyTo: number): void;
}

/** The compiled optimizer module, or null when it was not built. */
export function optimizerModule(): WebAssembly.Module | null {
  return builtWasmModule('optimizer.wasm');
}

/** Applies one optimizer step, with wasm when all buffers lie in `memory`, else in TypeScript. */
export class OptimizerStep {
  private readonly wasm: OptimizerExports | null;
  private readonly buffer: ArrayBufferLike | null;

  constructor(memory: WebAssembly.Memory | null) {
    const module = memory ? optimizerModule() : null;
    this.wasm = module && memory ? new WebAssembly.Instance(module, { env: { memory, abort: () => { throw new Error('wasm abort'); } } }).exports as unknown as OptimizerExports : null;
    this.buffer = memory ? memory.buffer : null;
  }

  /**
   * params -= update(grads * gradScale); `step` is the optimizer's 1-based step count (Adam).
   * `moment2` is unused by RMSProp. `copyTo`, if given, receives the new parameters as well
   * (in the same pass when it lies in the memory too).
   */
  apply(config: OptimizerSettings, step: number, params: Float32Array, grads: Float32Array, moment1: Float32Array, moment2: Float32Array, gradScale: number, copyTo?: Float32Array): void {
    const inMemory = this.wasm !== null && [params, grads, moment1, moment2].every((x) => x.buffer === this.buffer);
    const copyInPass = inMemory && copyTo !== undefined && copyTo.buffer === this.buffer;
    const copyAddress = copyInPass ? copyTo.byteOffset : 0;
    if (config.kind === 'adam') {
      if (!inMemory) adamStep(params, grads, moment1, moment2, step, config, gradScale);
      else {
        const c1 = 1 - Math.pow(config.beta1, step), c2 = 1 - Math.pow(config.beta2, step);
        const tf = config.epsilonStyle === 'tf';
        const stepSize = tf ? config.learningRate * Math.sqrt(c2) / c1 : config.learningRate / c1;
        this.wasm!.adam(params.length, params.byteOffset, grads.byteOffset, moment1.byteOffset, moment2.byteOffset, gradScale,
          stepSize, config.beta1, config.beta2, 1 - config.beta1, 1 - config.beta2, config.epsilon, Math.sqrt(c2), tf ? 1 : 0, copyAddress);
      }
    } else {
      if (!inMemory) rmsPropStep(params, grads, moment1, config, gradScale);
      else this.wasm!.rmsprop(params.length, params.byteOffset, grads.byteOffset, moment1.byteOffset, gradScale, config.learningRate, config.alpha, 1 - config.alpha, config.epsilon, copyAddress);
    }
    if (copyTo && !copyInPass) copyTo.set(params);
  }
}
