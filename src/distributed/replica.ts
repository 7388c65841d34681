/**
 * A node's replica of the global network: a GlobalStore of its own that its actor-learner
 * threads update exactly as in `a3c train` (WorkerPool, workerThread, the locked Adam step),
 * plus what an exchange needs: the weights last received (`base`), the change since
 * (`snapshot` - `base`), and the counters and episodes not yet sent.
 */
import type { TrainConfig } from '../config.js';
import { agentFactory } from '../presets.js';
import { arenaBytes, parameterCount, type NetworkSpec } from '../agents/networks.js';
import type { EpisodeRecord } from '../train/actorLearner.js';
import { gradientSlots } from '../train/coordinator.js';
import { installedFaultInjection } from '../train/faults.js';
import { Counter, GlobalStore } from '../train/globalStore.js';
import { WorkerPool, type WorkerFault } from '../train/workerPool.js';
import type { WorkerMessage } from '../train/workerThread.js';

/** What one exchange carries from the node. */
export interface Contribution {
  /** The replica's weights minus the weights last received. */
  delta: Float32Array;
  steps: number;
  updates: number;
  skippedUpdates: number;
  /** Episodes ended within these steps, with the steps of this contribution made before each ended. */
  episodes: { record: EpisodeRecord; stepsInto: number }[];
}

export interface ReplicaOptions {
  /** The service's config with this node's workers and no budgets (the service decides when the run ends). */
  config: TrainConfig;
  spec: NetworkSpec;
  weights: Float32Array;
  moment1: Float32Array;
  moment2: Float32Array;
  optimizerStep: number;
  /** The run's agent steps when the weights were sent. */
  globalSteps: number;
  onWorkerFault?: (fault: WorkerFault) => void;
  onGiveUp: (error: Error) => void;
}

export class Replica {
  readonly store: GlobalStore;
  private readonly pool: WorkerPool;
  private readonly base: Float32Array;
  private readonly snapshot: Float32Array;
  private readonly delta: Float32Array;
  /** Local counters at the last snapshot (what was sent, or dropped at a reconnect). */
  private sent = { steps: 0, updates: 0, skipped: 0 };
  private pending: EpisodeRecord[] = [];
  /** Episodes ended by this local step were dropped at a reconnect (one may still be on its way). */
  private droppedThrough = -1;
  private holding = false;

  constructor(o: ReplicaOptions) {
    const { config, spec } = o;
    const wasm = config.kernels === 'wasm';
    const n = parameterCount(spec);
    const arenas = wasm ? { count: config.workers, bytes: arenaBytes(spec, config.tMax + 1) } : undefined;
    this.store = GlobalStore.create(n, gradientSlots(config, GlobalStore.arenasAvailable(wasm)), wasm, arenas);
    this.store.params.set(o.weights);
    this.store.moment1.set(o.moment1);
    this.store.moment2.set(o.moment2);
    // Adam's bias correction goes on from the run's step, not from 1.
    this.store.counters[Counter.optimizerStep] = o.optimizerStep;
    this.store.counters[Counter.stepsElsewhere] = o.globalSteps;
    this.base = Float32Array.from(o.weights);
    this.snapshot = new Float32Array(n);
    this.delta = new Float32Array(n);
    const seedBase = config.seed + 1_000_003 * (1 + (process.pid % 997)); // nodes and restarts do not replay one another's streams
    const faults = installedFaultInjection();
    this.pool = new WorkerPool({
      count: config.workers, store: this.store, optimizer: config.optimizer, maxRestarts: faults?.maxRestarts,
      onMessage: (message: WorkerMessage) => { if (message.type === 'episode') this.pending.push(message.record); },
      inputFor: (rank, generation) => ({ rank, config, agentsModule: agentFactory.moduleUrl, buffers: this.store.buffers, faults, seed: seedBase + rank + generation * 104_729, liveFrameEveryMs: 0 }),
      onFault: (fault) => o.onWorkerFault?.(fault),
      onGiveUp: o.onGiveUp,
    });
    this.pool.start();
  }

  /** Updates the workers made since the last snapshot. */
  get updatesSinceSnapshot(): number {
    const c = this.store.counters;
    return c[Counter.updates] + c[Counter.skippedUpdates] - this.sent.updates - this.sent.skipped;
  }

  /** Resolves when every worker has exited (after stop). */
  get exited(): Promise<void> { return this.pool.exited; }

  /** The change since the weights last received, and what was counted meanwhile (a consistent copy, under the lock). */
  async contribution(): Promise<Contribution> {
    const { store, base, snapshot, delta } = this;
    await store.lockAsync();
    let steps: number, updates: number, skipped: number;
    try {
      const params = store.params;
      for (let i = 0; i < params.length; i++) {
        const value = params[i];
        snapshot[i] = value;
        delta[i] = value - base[i];
      }
      const c = store.counters;
      steps = c[Counter.globalSteps]; updates = c[Counter.updates]; skipped = c[Counter.skippedUpdates];
    } finally {
      store.unlock();
    }
    // An episode whose message is still on its way goes with the next exchange.
    const mine = this.pending.filter((r) => r.step <= steps && r.step > this.droppedThrough);
    this.pending = this.pending.filter((r) => r.step > steps);
    const contribution: Contribution = {
      delta, steps: steps - this.sent.steps, updates: updates - this.sent.updates, skippedUpdates: skipped - this.sent.skipped,
      episodes: mine.map((record) => ({ record, stepsInto: record.step - this.sent.steps })),
    };
    this.sent = { steps, updates, skipped };
    return contribution;
  }

  /**
   * Fresh global weights arrived for the last contribution: the replica becomes them plus what
   * its workers changed since that snapshot (none of which the service has yet). `globalSteps`
   * is the run's count with that contribution, so the schedule and budget follow the whole run.
   */
  async merge(globalWeights: Float32Array, globalSteps: number): Promise<void> {
    const { store, base, snapshot } = this;
    if (!this.holding) await store.lockAsync();
    this.holding = false;
    try {
      const params = store.params;
      for (let i = 0; i < params.length; i++) {
        const fresh = globalWeights[i];
        params[i] = fresh + (params[i] - snapshot[i]);
        base[i] = fresh;
      }
      store.counters[Counter.stepsElsewhere] = globalSteps - this.sent.steps;
    } finally {
      store.unlock();
    }
  }

  /**
   * Bounded staleness: the workers wait (at their next update, on the replica's lock) until
   * merge() brings the answer to the exchange in flight, so the replica never runs more than
   * about two exchanges' worth of updates ahead of what the service has.
   */
  async holdWorkers(): Promise<void> {
    if (this.holding) return;
    await this.store.lockAsync();
    this.holding = true;
  }

  /** Lets held workers go on without a merge (the session was lost). */
  release(): void {
    if (!this.holding) return;
    this.holding = false;
    this.store.unlock();
  }

  /**
   * A new session with a service (a reconnect, perhaps to a restarted one): everything not
   * acknowledged is dropped, so no step or episode is counted twice; the replica restarts from
   * the service's weights.
   */
  async reset(globalWeights: Float32Array, globalSteps: number): Promise<void> {
    const { store, base } = this;
    if (!this.holding) await store.lockAsync();
    this.holding = false;
    try {
      store.params.set(globalWeights);
      base.set(globalWeights);
      const c = store.counters;
      this.sent = { steps: c[Counter.globalSteps], updates: c[Counter.updates], skipped: c[Counter.skippedUpdates] };
      c[Counter.stepsElsewhere] = globalSteps - this.sent.steps;
      this.pending = [];
      this.droppedThrough = this.sent.steps;
    } finally {
      store.unlock();
    }
  }

  /** The optimizer moments (copies, under the lock). */
  async moments(): Promise<{ moment1: Float32Array; moment2: Float32Array }> {
    await this.store.lockAsync();
    try {
      return { moment1: Float32Array.from(this.store.moment1), moment2: Float32Array.from(this.store.moment2) };
    } finally {
      this.store.unlock();
    }
  }

  stop(): void {
    this.pool.stop();
  }
}
