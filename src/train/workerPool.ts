import { Worker } from 'node:worker_threads';
import type { OptimizerSettings } from '../nn/kernels/sharedOptimizer.js';
import type { GlobalStore } from './globalStore.js';
import type { WorkerInput, WorkerMessage } from './workerThread.js';

export interface WorkerFault {
  rank: number;
  cause: string;
  /** What the coordinator did about the global network: nothing, released the dead worker's lock, or finished its update. */
  recovery: 'none' | 'released' | 'completed-update';
  restarting: boolean;
}

/** A worker crashing this many times within RESTART_WINDOW_MS stops the run instead of looping. */
export const MAX_RESTARTS = 5;
export const RESTART_WINDOW_MS = 60_000;
/** A worker that has not stopped this long after the stop request is terminated. */
export const STOP_GRACE_MS = 3000;

export interface WorkerPoolOptions {
  count: number;
  store: GlobalStore;
  /** For finishing a dead worker's journaled update. */
  optimizer: OptimizerSettings;
  /** The input of worker `rank` in its `generation`-th start (0 first, one more per restart). */
  inputFor: (rank: number, generation: number) => WorkerInput;
  onMessage: (message: WorkerMessage) => void;
  /** A worker died (or was terminated at the stop); called before it is restarted. */
  onFault: (fault: WorkerFault) => void;
  /** A worker keeps crashing: the run should stop. */
  onGiveUp: (error: Error) => void;
  maxRestarts?: number;
  stopGraceMs?: number;
  /** The worker script (tests run their own). */
  script?: URL;
}

/**
 * The actor-learner threads: starts them, restarts one that dies (up to maxRestarts within a
 * minute), repairs the global network after a death (store.recoverFrom), and at the stop
 * terminates a worker that does not stop by itself within the grace period.
 */
export class WorkerPool {
  /** Resolves when every worker has exited. */
  readonly exited: Promise<void>;
  private allExited!: () => void;
  private running = 0;
  private readonly crashTimes = new Map<number, number[]>();
  private readonly workers = new Map<number, Worker>();
  /** Workers terminated at the stop, by rank. */
  private readonly terminated = new Set<number>();
  private graceTimer: NodeJS.Timeout | null = null;

  constructor(private readonly o: WorkerPoolOptions) {
    this.exited = new Promise<void>((resolve) => { this.allExited = resolve; });
  }

  start(): void {
    for (let rank = 0; rank < this.o.count; rank++) this.startWorker(rank, 0);
    if (this.o.count === 0) this.allExited();
  }

  /** Asks every worker to stop after its current step; terminates those still running after the grace period. */
  stop(): void {
    this.o.store.requestStop();
    if (this.graceTimer || this.running === 0) return;
    this.graceTimer = setTimeout(() => {
      for (const [rank, worker] of this.workers) {
        this.terminated.add(rank);
        void worker.terminate();
      }
    }, this.o.stopGraceMs ?? STOP_GRACE_MS);
    this.graceTimer.unref();
  }

  private startWorker(rank: number, generation: number): void {
    this.running++;
    const worker = new Worker(this.o.script ?? new URL('./workerThread.js', import.meta.url), { workerData: this.o.inputFor(rank, generation) });
    this.workers.set(rank, worker);
    let cause: string | null = null;
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'error') cause ??= message.message;
      else this.o.onMessage(message);
    });
    worker.on('error', (error) => { cause ??= error.message; });
    worker.on('exit', (code) => {
      this.running--;
      this.workers.delete(rank);
      const { store } = this.o;
      const recovery = store.recoverFrom(rank, this.o.optimizer);
      if (this.terminated.has(rank)) cause = `it did not stop within ${(this.o.stopGraceMs ?? STOP_GRACE_MS) / 1000} s of the stop request and was terminated`;
      if (code !== 0 || cause !== null || recovery !== 'none') this.handleDeath(rank, generation, cause ?? `the thread exited with code ${code}`, recovery);
      if (this.running === 0) {
        if (this.graceTimer) clearTimeout(this.graceTimer);
        this.allExited();
      }
    });
  }

  private handleDeath(rank: number, generation: number, cause: string, recovery: WorkerFault['recovery']): void {
    const { store } = this.o;
    const now = performance.now();
    const recent = (this.crashTimes.get(rank) ?? []).filter((t) => now - t < RESTART_WINDOW_MS);
    recent.push(now);
    this.crashTimes.set(rank, recent);
    const restarting = !store.stopRequested && recent.length < (this.o.maxRestarts ?? MAX_RESTARTS);
    this.o.onFault({ rank, cause, recovery, restarting });
    if (restarting) this.startWorker(rank, generation + 1);
    else if (!store.stopRequested) {
      this.o.onGiveUp(new Error(`worker ${rank} crashed ${recent.length} times within ${RESTART_WINDOW_MS / 1000} s; last cause: ${cause}`));
    }
  }
}
