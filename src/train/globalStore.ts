import type { OptimizerConfig } from '../config.js';
import { OptimizerStep, optimizerModule } from '../nn/kernels/sharedOptimizer.js';

/**
 * The global network and everything actor-learners share, created up front by the coordinator
 * and handed to each worker: parameters, optimizer statistics, a lock and counters. Where the
 * WebAssembly optimizer is built, parameters, moments and one gradient slot per worker live in
 * one shared WebAssembly memory, so the locked update runs as SIMD code on the shared data;
 * otherwise they are plain SharedArrayBuffers and the TypeScript optimizers run.
 */

/** Int32 control words. */
const LOCK = 0;
const STOP = 1;
const CONTROL_WORDS = 4;

/** Float64 counters; written under the lock, readable by anyone at any time. */
export const Counter = {
  globalSteps: 0,
  episodes: 1,
  scoreAverage: 2,
  scoreMax: 3,
  updates: 4,
  optimizerStep: 5,
  skippedUpdates: 6,
} as const;
const COUNTER_SLOTS = 16;

export interface GlobalBuffers {
  control: SharedArrayBuffer;
  counters: SharedArrayBuffer;
  paramCount: number;
  slots: number;
  /** Shared WebAssembly memory holding [params | moment1 | moment2 | slot 0 | ...], if built. */
  memory: WebAssembly.Memory | null;
  /** Otherwise: one SharedArrayBuffer holding [params | moment1 | moment2]. */
  floats: SharedArrayBuffer | null;
}

export class GlobalStore {
  readonly params: Float32Array;
  /** Adam first moment, or RMSProp's shared squared-gradient average. */
  readonly moment1: Float32Array;
  /** Adam second moment (unused by RMSProp). */
  readonly moment2: Float32Array;
  readonly counters: Float64Array;
  private readonly control: Int32Array;
  private readonly slots: Float32Array[];
  private optimizer: OptimizerStep | null = null;

  constructor(readonly buffers: GlobalBuffers) {
    this.control = new Int32Array(buffers.control);
    this.counters = new Float64Array(buffers.counters);
    const backing = buffers.memory ? buffers.memory.buffer : buffers.floats!;
    const n = buffers.paramCount;
    const view = (k: number) => new Float32Array(backing, k * n * 4, n);
    this.params = view(0);
    this.moment1 = view(1);
    this.moment2 = view(2);
    this.slots = buffers.memory ? Array.from({ length: buffers.slots }, (_, k) => view(3 + k)) : [];
  }

  /**
   * Shared buffers for `paramCount` parameters and `slots` actor-learners; `wasm` false keeps
   * to SharedArrayBuffers and the TypeScript optimizers (the reference implementation).
   */
  static create(paramCount: number, slots = 1, wasm = true): GlobalStore {
    const bytes = (3 + slots) * paramCount * 4;
    const memory = wasm && optimizerModule() !== null
      ? new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536), maximum: Math.ceil(bytes / 65536), shared: true })
      : null;
    return new GlobalStore({
      control: new SharedArrayBuffer(CONTROL_WORDS * Int32Array.BYTES_PER_ELEMENT),
      counters: new SharedArrayBuffer(COUNTER_SLOTS * Float64Array.BYTES_PER_ELEMENT),
      paramCount, slots, memory,
      floats: memory ? null : new SharedArrayBuffer(3 * paramCount * 4),
    });
  }

  /**
   * One optimizer step on the global network with `grads * gradScale`, from actor-learner
   * `slot`: the gradient is copied into the shared memory first. Call under the lock unless
   * Hogwild. Returns the optimizer's step number.
   */
  applyGradients(slot: number, grads: Float32Array, gradScale: number, config: OptimizerConfig): number {
    this.optimizer ??= new OptimizerStep(this.buffers.memory);
    let source = grads;
    if (this.slots.length > 0) {
      if (slot < 0 || slot >= this.slots.length) throw new RangeError(`gradient slot ${slot} does not exist (${this.slots.length} slots)`);
      this.slots[slot].set(grads);
      source = this.slots[slot];
    }
    const step = ++this.counters[Counter.optimizerStep];
    this.optimizer.apply(config, step, this.params, source, this.moment1, this.moment2, gradScale);
    return step;
  }

  /** Mutual exclusion across threads: compare-and-swap, sleeping on the word while contended. */
  lock(): void {
    while (Atomics.compareExchange(this.control, LOCK, 0, 1) !== 0) Atomics.wait(this.control, LOCK, 1, 50);
  }

  unlock(): void {
    Atomics.store(this.control, LOCK, 0);
    Atomics.notify(this.control, LOCK, 1);
  }

  /** Runs `fn` holding the lock. */
  locked<T>(fn: () => T): T {
    this.lock();
    try {
      return fn();
    } finally {
      this.unlock();
    }
  }

  requestStop(): void { Atomics.store(this.control, STOP, 1); }
  get stopRequested(): boolean { return Atomics.load(this.control, STOP) !== 0; }
}
