/**
 * The global network and everything actor-learners share, in SharedArrayBuffers created up
 * front by the coordinator and handed to each worker: parameters, optimizer statistics, a lock
 * and counters. Plain data, so it crosses `postMessage` without copying.
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
  params: SharedArrayBuffer;
  /** Adam first moment, or RMSProp's shared squared-gradient average. */
  moment1: SharedArrayBuffer;
  /** Adam second moment (unused by RMSProp). */
  moment2: SharedArrayBuffer;
}

export class GlobalStore {
  readonly params: Float32Array;
  readonly moment1: Float32Array;
  readonly moment2: Float32Array;
  readonly counters: Float64Array;
  private readonly control: Int32Array;

  constructor(readonly buffers: GlobalBuffers) {
    this.control = new Int32Array(buffers.control);
    this.counters = new Float64Array(buffers.counters);
    this.params = new Float32Array(buffers.params);
    this.moment1 = new Float32Array(buffers.moment1);
    this.moment2 = new Float32Array(buffers.moment2);
  }

  static create(paramCount: number): GlobalStore {
    const floats = () => new SharedArrayBuffer(paramCount * Float32Array.BYTES_PER_ELEMENT);
    return new GlobalStore({
      control: new SharedArrayBuffer(CONTROL_WORDS * Int32Array.BYTES_PER_ELEMENT),
      counters: new SharedArrayBuffer(COUNTER_SLOTS * Float64Array.BYTES_PER_ELEMENT),
      params: floats(),
      moment1: floats(),
      moment2: floats(),
    });
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

  counter(slot: number): number { return this.counters[slot]; }
}
