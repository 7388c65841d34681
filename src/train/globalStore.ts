import { arenaRegionBytes, type ArenaRegion } from '../nn/kernels/backend.js';
import { atProgress, OptimizerStep, optimizerModule, type OptimizerSettings } from '../nn/kernels/sharedOptimizer.js';
import { NO_FAULTS, type WorkerFaults } from './faults.js';

/**
 * The global network and everything actor-learners share, created up front by the coordinator
 * and handed to each worker: parameters, optimizer statistics, one gradient slot per concurrent
 * updater, a lock, an update journal and counters. Where the WebAssembly optimizer is built
 * they live in one shared WebAssembly memory, so the locked update runs as SIMD code on the
 * shared data; otherwise in a SharedArrayBuffer with the TypeScript optimizers.
 *
 * With the WebAssembly kernels each worker's network is built in its own region of that
 * memory (an arena), so the gradient the backward pass writes is already in shared memory and
 * the update reads it in place; networks elsewhere copy their gradient into a slot first.
 *
 * An update is applied in chunks and journaled (where the gradient is, step, scale, chunks
 * done) under the lock, so if a worker dies in the middle of one, the coordinator finishes it
 * from the gradient still in shared memory: an update is applied whole or not at all.
 */

/** Int32 control words. */
const LOCK = 0; // 0: free; otherwise the holder's id
const STOP = 1;
const JOURNAL_ACTIVE = 2;
const JOURNAL_GRADIENT = 3; // float index of the update's gradient in the shared floats
const JOURNAL_STEP = 4;
const JOURNAL_DONE = 5; // chunks applied so far
/**
 * 0: free; otherwise the holder's id. Held for the few operations that end an episode, so
 * episode numbers and their steps stay in order; never the update lock, so Hogwild waits on no update.
 */
const EPISODE_LOCK = 6;
const CONTROL_WORDS = 8;

/** Elements per journaled chunk of an update (the optimizer pass stays one call per 256 KB). */
export const UPDATE_CHUNK = 1 << 16;
/** Lock holder id of the coordinator; workers use rank + 1. */
export const COORDINATOR_ID = 0x7fff_ffff;

/**
 * Float64 counters, readable by anyone at any time. Workers advance them with atomic
 * read-modify-writes (addToCounter, updateCounter), so Hogwild updates need no lock for them.
 */
export const Counter = {
  globalSteps: 0,
  episodes: 1,
  scoreAverage: 2,
  scoreMax: 3,
  updates: 4,
  optimizerStep: 5,
  skippedUpdates: 6,
  workerRestarts: 7,
  journalGradScale: 8,
  /**
   * Steps of the run counted outside this store: on a node's replica, those of the other nodes
   * and of earlier sessions, so a learning-rate schedule and the step budget follow the whole
   * run. 0 in a single process.
   */
  stepsElsewhere: 9,
} as const;
const COUNTER_SLOTS = 16;

export interface GlobalBuffers {
  control: SharedArrayBuffer;
  counters: SharedArrayBuffer;
  paramCount: number;
  slots: number;
  /** Worker arenas after the slots, and the bytes of each (a multiple of 16). */
  arenas: number;
  arenaBytes: number;
  /** Shared WebAssembly memory holding [params | moment1 | moment2 | slot 0 | ... | arena 0 | ...], if built. */
  memory: WebAssembly.Memory | null;
  /** Otherwise: one SharedArrayBuffer with the same layout. */
  floats: SharedArrayBuffer | null;
}

/** Milliseconds this thread waited for the update lock and held it (`locked`). */
export interface LockTimes { waitMs: number; holdMs: number }

export class GlobalStore {
  readonly params: Float32Array;
  readonly lockTimes: LockTimes = { waitMs: 0, holdMs: 0 };
  /** Adam first moment, or RMSProp's shared squared-gradient average. */
  readonly moment1: Float32Array;
  /** Adam second moment (unused by RMSProp). */
  readonly moment2: Float32Array;
  readonly counters: Float64Array;
  /** The counters' bits, for compare-and-swap (Atomics work on integer arrays only). */
  private readonly counterBits: BigInt64Array;
  private readonly control: Int32Array;
  private readonly slots: Float32Array[];
  /** The shared floats: the WebAssembly memory's buffer, or the SharedArrayBuffer. */
  private readonly backing: ArrayBufferLike;
  private optimizer: OptimizerStep | null = null;
  /**
   * `holder` identifies this thread in the lock word (worker rank + 1, or COORDINATOR_ID);
   * `faults` are the chaos tests' hooks (nothing in training).
   */
  constructor(readonly buffers: GlobalBuffers, private readonly holder = COORDINATOR_ID, private readonly faults: Pick<WorkerFaults, 'beforeUpdateChunk'> = NO_FAULTS) {
    this.control = new Int32Array(buffers.control);
    this.counters = new Float64Array(buffers.counters);
    this.counterBits = new BigInt64Array(buffers.counters);
    const backing = buffers.memory ? buffers.memory.buffer : buffers.floats!;
    this.backing = backing;
    const n = buffers.paramCount;
    const view = (k: number) => new Float32Array(backing, k * n * 4, n);
    this.params = view(0);
    this.moment1 = view(1);
    this.moment2 = view(2);
    this.slots = Array.from({ length: buffers.slots }, (_, k) => view(3 + k));
  }

  /**
   * Shared buffers for `paramCount` parameters and `slots` gradient slots (for networks outside
   * the shared memory); with the WebAssembly optimizer also `arenas.count` regions of
   * `arenas.bytes` for the workers' networks (see arenaRegion). `wasm` false keeps to
   * SharedArrayBuffers and the TypeScript optimizers (the reference implementation).
   */
  static create(paramCount: number, slots = 1, wasm = true, arenas: { count: number; bytes: number } = { count: 0, bytes: 0 }): GlobalStore {
    const useWasm = wasm && optimizerModule() !== null;
    const arenaCount = useWasm ? arenas.count : 0;
    const arenaBytes = arenaCount > 0 ? arenaRegionBytes(arenas.bytes) : 0;
    const floatBytes = (3 + slots) * paramCount * 4;
    const bytes = align16(floatBytes) + arenaCount * arenaBytes;
    if (useWasm && bytes > 65536 * 65536) {
      throw new Error(`the shared memory would need ${(bytes / 2 ** 30).toFixed(1)} GiB, more than WebAssembly's 4 GiB: use fewer workers`);
    }
    const memory = useWasm
      ? new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536), maximum: Math.ceil(bytes / 65536), shared: true })
      : null;
    return new GlobalStore({
      control: new SharedArrayBuffer(CONTROL_WORDS * Int32Array.BYTES_PER_ELEMENT),
      counters: new SharedArrayBuffer(COUNTER_SLOTS * Float64Array.BYTES_PER_ELEMENT),
      paramCount, slots, memory, arenas: arenaCount, arenaBytes,
      floats: memory ? null : new SharedArrayBuffer(floatBytes),
    });
  }

  /** True when create(..., wasm) builds worker arenas, so no network needs a gradient slot. */
  static arenasAvailable(wasm: boolean): boolean {
    return wasm && optimizerModule() !== null;
  }

  /** The region of the shared memory where worker `rank` builds its network, or undefined without arenas. */
  arenaRegion(rank: number): ArenaRegion | undefined {
    const { memory, arenas, arenaBytes, paramCount, slots } = this.buffers;
    if (!memory || rank >= arenas) return undefined;
    return { memory, byteOffset: align16((3 + slots) * paramCount * 4) + rank * arenaBytes, byteLength: arenaBytes };
  }

  /** The same shared store as seen by worker `rank`. */
  forWorker(rank: number): GlobalStore {
    return new GlobalStore(this.buffers, rank + 1);
  }

  /**
   * One optimizer step on the global network with `grads * gradScale`. A gradient already in
   * the shared memory (a network built in an arena) is read where it is; any other is copied
   * into gradient slot `slot` first. Then it is applied chunk by chunk under the journal. Call
   * under the lock, or with `journaled` false for Hogwild updates (which overlap, so they cannot
   * share the journal). `copyTo` (the updater's local parameters) receives the new global
   * parameters in the same pass, instead of a copy afterwards. A learning-rate schedule reads
   * its progress from the global step counter. Returns the optimizer's step.
   */
  applyGradients(slot: number, grads: Float32Array, gradScale: number, config: OptimizerSettings, journaled = true, copyTo?: Float32Array): number {
    if (grads.length !== this.params.length) throw new RangeError(`gradient has ${grads.length} elements, the network ${this.params.length}`);
    let shared = grads;
    if (grads.buffer !== this.backing) {
      if (slot < 0 || slot >= this.slots.length) throw new RangeError(`gradient slot ${slot} does not exist (${this.slots.length} slots)`);
      shared = this.slots[slot];
      shared.set(grads);
    }
    if (!journaled) {
      this.optimizer ??= new OptimizerStep(this.buffers.memory);
      const step = this.addToCounter(Counter.optimizerStep, 1);
      this.optimizer.apply(atProgress(config, this.runSteps), step, this.params, shared, this.moment1, this.moment2, gradScale, copyTo);
      return step;
    }
    const step = this.counters[Counter.optimizerStep] + 1;
    const c = this.control;
    c[JOURNAL_GRADIENT] = shared.byteOffset / 4;
    c[JOURNAL_STEP] = step;
    c[JOURNAL_DONE] = 0;
    this.counters[Counter.journalGradScale] = gradScale;
    Atomics.store(c, JOURNAL_ACTIVE, 1);
    this.runJournal(config, copyTo);
    return step;
  }

  /** The run's agent steps so far: this store's and those counted elsewhere (see Counter.stepsElsewhere). */
  get runSteps(): number {
    return this.counters[Counter.globalSteps] + this.counters[Counter.stepsElsewhere];
  }

  /** Adds `delta` to counter `index` atomically; returns the new value. */
  addToCounter(index: number, delta: number): number {
    return this.updateCounter(index, (value) => value + delta);
  }

  /** Replaces counter `index` by `next(value)` atomically (retrying if another thread changed it meanwhile); returns the new value. */
  updateCounter(index: number, next: (value: number) => number): number {
    const bits = this.counterBits;
    for (;;) {
      const seen = Atomics.load(bits, index);
      scratchBits[0] = seen;
      scratchFloat[0] = next(scratchFloat[0]);
      if (Atomics.compareExchange(bits, index, seen, scratchBits[0]) === seen) return scratchFloat[0];
    }
  }

  /** Applies the journaled update's remaining chunks and closes the journal (recovery passes no `copyTo`). */
  private runJournal(settings: OptimizerSettings, copyTo?: Float32Array): void {
    this.optimizer ??= new OptimizerStep(this.buffers.memory);
    // Steps are counted after the update, under the same lock: a recovery sees the same progress.
    const config = atProgress(settings, this.runSteps);
    const c = this.control;
    const grads = new Float32Array(this.backing, c[JOURNAL_GRADIENT] * 4, this.params.length);
    const step = c[JOURNAL_STEP];
    const gradScale = this.counters[Counter.journalGradScale];
    const n = this.params.length;
    for (let chunk = c[JOURNAL_DONE]; chunk * UPDATE_CHUNK < n; chunk++) {
      this.faults.beforeUpdateChunk(chunk);
      const a = chunk * UPDATE_CHUNK, b = Math.min(n, a + UPDATE_CHUNK);
      this.optimizer.apply(config, step, this.params.subarray(a, b), grads.subarray(a, b), this.moment1.subarray(a, b), this.moment2.subarray(a, b), gradScale, copyTo?.subarray(a, b));
      Atomics.store(c, JOURNAL_DONE, chunk + 1);
    }
    this.counters[Counter.optimizerStep] = step;
    Atomics.store(c, JOURNAL_ACTIVE, 0);
  }

  /**
   * After worker `rank` died: if it held the lock, finish its journaled update (if any) and
   * release the lock. Returns what was done, for the log.
   */
  recoverFrom(rank: number, config: OptimizerSettings): 'none' | 'released' | 'completed-update' {
    if (Atomics.compareExchange(this.control, EPISODE_LOCK, rank + 1, 0) === rank + 1) Atomics.notify(this.control, EPISODE_LOCK);
    if (Atomics.load(this.control, LOCK) !== rank + 1) return 'none';
    let action: 'released' | 'completed-update' = 'released';
    if (Atomics.load(this.control, JOURNAL_ACTIVE) === 1) {
      this.runJournal(config);
      action = 'completed-update';
    }
    this.unlock();
    return action;
  }

  /** Mutual exclusion across threads: compare-and-swap, sleeping on the word while contended. */
  lock(): void {
    for (;;) {
      const seen = Atomics.compareExchange(this.control, LOCK, 0, this.holder);
      if (seen === 0) return;
      Atomics.wait(this.control, LOCK, seen, 50);
    }
  }

  /**
   * The lock for the coordinator's thread, which must keep handling events while it waits:
   * a worker that died holding the lock is only released from the worker's exit event.
   */
  async lockAsync(): Promise<void> {
    for (;;) {
      // Workers hold the lock for microseconds but take it thousands of times a second (CartPole):
      // a short spin wins it where waiting for a wake-up would lose to them for seconds.
      const spinUntil = performance.now() + 2;
      do {
        if (Atomics.compareExchange(this.control, LOCK, 0, this.holder) === 0) return;
      } while (performance.now() < spinUntil);
      const seen = Atomics.load(this.control, LOCK);
      if (seen !== 0) {
        const waited = Atomics.waitAsync(this.control, LOCK, seen, 20);
        if (waited.async) await waited.value;
      }
      await new Promise((resolve) => setImmediate(resolve)); // let exit events run
    }
  }

  /**
   * A whole copy of the global weights (no update half-applied in it) for the coordinator's
   * thread: what an evaluator of the current policy plays with.
   */
  async copyParams(into: Float32Array): Promise<void> {
    await this.lockAsync();
    try {
      into.set(this.params);
    } finally {
      this.unlock();
    }
  }

  unlock(): void {
    Atomics.store(this.control, LOCK, 0);
    Atomics.notify(this.control, LOCK, 1);
  }

  /** Runs `fn` holding the episode lock (a separate word from the update lock). */
  episodeLocked<T>(fn: () => T): T {
    const c = this.control;
    for (;;) {
      const seen = Atomics.compareExchange(c, EPISODE_LOCK, 0, this.holder);
      if (seen === 0) break;
      Atomics.wait(c, EPISODE_LOCK, seen, 5);
    }
    try {
      return fn();
    } finally {
      Atomics.store(c, EPISODE_LOCK, 0);
      Atomics.notify(c, EPISODE_LOCK, 1);
    }
  }

  /** Runs `fn` holding the lock; the time spent waiting for it and holding it goes to `lockTimes`. */
  locked<T>(fn: () => T): T {
    const asked = performance.now();
    this.lock();
    const taken = performance.now();
    this.lockTimes.waitMs += taken - asked;
    try {
      return fn();
    } finally {
      this.unlock();
      this.lockTimes.holdMs += performance.now() - taken;
    }
  }

  requestStop(): void { Atomics.store(this.control, STOP, 1); }
  get stopRequested(): boolean { return Atomics.load(this.control, STOP) !== 0; }
}

/** True when every element is finite (a NaN or infinity anywhere poisons the sum). */
export function allFinite(values: Float32Array): boolean {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * 0;
  return sum === 0;
}

/** One float64 seen as its bits, to move counters in and out of the BigInt64 view. */
const scratchFloat = new Float64Array(1);
const scratchBits = new BigInt64Array(scratchFloat.buffer);

function align16(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}
