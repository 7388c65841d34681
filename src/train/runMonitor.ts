import type { EpisodeRecord } from './actorLearner.js';
import type { CheckpointState } from './checkpoint.js';
import { Counter } from './globalStore.js';
import { KEYS } from '../metrics/records.js';

export type StopReason = 'steps' | 'time' | 'target' | 'interrupted';

/** When a run stops by itself. */
export interface RunBudgets {
  maxSteps: number | null;
  /** Seconds of this invocation. */
  maxSeconds: number | null;
  /** Mean return that ends the run once the evaluator confirms it on the saved best weights (see solve). */
  targetReturn: number | null;
}

/** The target return was reached: when, and by which saved weights with what score. */
export interface Solved {
  /** Training seconds and global steps when the confirmation came. */
  seconds: number;
  steps: number;
  /** The weights file whose evaluation confirmed it, the step they were taken at, and their score there. */
  weightsPath: string;
  weightsStep: number;
  meanReturn: number;
  episodes: number;
}

export interface Progress {
  /** Training seconds, including earlier segments of a resumed run. */
  seconds: number;
  /** Seconds of this invocation only. */
  sessionSeconds: number;
  globalSteps: number;
  episodes: number;
  updates: number;
  skippedUpdates: number;
  /** Agent steps per second in this invocation. */
  stepsPerSecond: number;
  scoreAverage: number;
  scoreMax: number;
  /** Mean return of the last (up to) 100 episodes. */
  meanReturn100: number;
  workerRestarts: number;
}

/** The counters a checkpoint saves, each one slot of the shared counters. */
export const SAVED_COUNTERS = ['globalSteps', 'episodes', 'updates', 'skippedUpdates', 'optimizerStep', 'scoreAverage', 'scoreMax', 'workerRestarts'] as const;

/** A run is called diverged when more than this share of its updates were skipped... */
export const DIVERGED_SKIP_SHARE = 0.9;
/** ...out of at least this many. */
export const DIVERGED_MIN_UPDATES = 100;

/**
 * The one owner of a run's counters and of why it stops. The counters live in the global
 * store's shared memory, where the actor-learners advance them; the monitor restores them from a
 * checkpoint, reads them, and turns them (with the episodes it is told of) into progress, budget
 * decisions, the stop reason and the state a checkpoint saves. No threads: `now` is passed in.
 */
export class RunMonitor {
  /** Episode records received; a checkpoint waits until every episode its counters include has arrived. */
  episodesReceived: number;
  private readonly recentReturns: number[] = [];
  private readonly secondsBefore: number;
  /** How many times this run was started, this invocation included. */
  readonly segment: number;
  private readonly startSteps: number;
  private readonly startUpdates: number;
  private readonly startSkipped: number;
  private reason: StopReason | null = null;
  private solvedAt: Solved | null = null;
  private error: Error | null = null;
  private lastScalars: { at: number; steps: number; updates: number };
  private numeric: string | null = null;

  /**
   * `counters`: the shared counters; `onStop`: called once, at the first stop decision (tells
   * the workers). A resumed run's counters and curves are restored from `resumed`.
   */
  constructor(
    private readonly counters: Float64Array,
    private readonly budgets: RunBudgets,
    resumed: CheckpointState | undefined,
    private readonly onStop: (reason: StopReason) => void,
    private readonly startedAt: number = performance.now(),
  ) {
    if (resumed) {
      for (const name of SAVED_COUNTERS) counters[Counter[name]] = resumed[name];
      this.recentReturns.push(...resumed.recentReturns);
    }
    this.secondsBefore = resumed?.seconds ?? 0;
    this.segment = (resumed?.segment ?? 0) + 1;
    this.startSteps = counters[Counter.globalSteps];
    this.startUpdates = counters[Counter.updates];
    this.startSkipped = counters[Counter.skippedUpdates];
    this.episodesReceived = counters[Counter.episodes];
    this.lastScalars = { at: startedAt, steps: this.startSteps, updates: this.startUpdates };
  }

  /** Training seconds at `now`, earlier segments included (the metrics' wall time). */
  wallTime(now: number): number {
    return this.secondsBefore + (now - this.startedAt) / 1000;
  }

  /**
   * An episode arrived from a worker: the mean of 100 moves on. It does not decide the target:
   * A3C's training returns often pass it just before the policy collapses.
   */
  episode(record: EpisodeRecord, now: number): Progress {
    this.episodesReceived++;
    this.recentReturns.push(record.return);
    if (this.recentReturns.length > 100) this.recentReturns.shift();
    return this.progress(now);
  }

  /** The evaluator confirmed the target return on saved weights (`weights`): the run stops for it. */
  solve(weights: Omit<Solved, 'seconds' | 'steps'>, now: number): void {
    if (this.solvedAt !== null || this.budgets.targetReturn === null) return;
    this.solvedAt = { seconds: this.wallTime(now), steps: this.counters[Counter.globalSteps], ...weights };
    this.stop('target');
  }

  /** Checks the step and time budgets (a few times a second, and once more at the end). */
  checkBudgets(now: number): void {
    const { maxSteps, maxSeconds } = this.budgets;
    if (maxSeconds !== null && (now - this.startedAt) / 1000 >= maxSeconds) this.stop('time');
    if (maxSteps !== null && this.counters[Counter.globalSteps] >= maxSteps) this.stop('steps');
  }

  /** The first decision wins; later ones only confirm that the run is stopping. */
  stop(reason: StopReason): void {
    if (this.reason !== null) return;
    this.reason = reason;
    this.onStop(reason);
  }

  /** Something the run cannot go on with (a worker that keeps crashing): stop, and fail at the end. */
  fail(error: Error): void {
    this.error ??= error;
    this.stop('interrupted');
  }

  /** The global weights became non-finite: stop, save nothing after it. */
  failNumerically(message: string): void {
    this.numeric ??= message;
    this.stop('interrupted');
  }

  /** A worker fault: counted here, the only writer of this counter (a dead worker may hold the lock). */
  countWorkerFault(): void {
    this.counters[Counter.workerRestarts]++;
  }

  get stopping(): boolean { return this.reason !== null; }
  get stopReason(): StopReason { return this.reason ?? 'interrupted'; }
  get solved(): Solved | null { return this.solvedAt; }
  get failure(): Error | null { return this.error; }
  get numericFault(): string | null { return this.numeric; }

  /**
   * Set when nearly all updates of this invocation were skipped for non-finite gradients
   * (a learning rate far too large): the one line the run fails with.
   */
  divergence(): string | null {
    const skipped = this.counters[Counter.skippedUpdates] - this.startSkipped;
    const total = skipped + this.counters[Counter.updates] - this.startUpdates;
    if (total < DIVERGED_MIN_UPDATES || skipped <= DIVERGED_SKIP_SHARE * total) return null;
    return `training diverged: ${skipped} of ${total} updates skipped (non-finite gradients); try a smaller --lr`;
  }

  progress(now: number): Progress {
    const sessionSeconds = (now - this.startedAt) / 1000;
    const c = this.counters;
    const returns = this.recentReturns;
    return {
      seconds: this.secondsBefore + sessionSeconds,
      sessionSeconds,
      globalSteps: c[Counter.globalSteps],
      episodes: c[Counter.episodes],
      updates: c[Counter.updates],
      skippedUpdates: c[Counter.skippedUpdates],
      stepsPerSecond: sessionSeconds > 0 ? (c[Counter.globalSteps] - this.startSteps) / sessionSeconds : 0,
      scoreAverage: c[Counter.scoreAverage],
      scoreMax: c[Counter.scoreMax],
      meanReturn100: returns.length ? returns.reduce((a, b) => a + b, 0) / returns.length : 0,
      workerRestarts: c[Counter.workerRestarts],
    };
  }

  /** The periodic scalar record: speeds since the previous one, skipped updates, the mean-of-100. */
  scalars(now: number, learningRate: number): { step: number; wallTime: number; values: Record<string, number> } {
    const p = this.progress(now);
    const last = this.lastScalars;
    const dt = (now - last.at) / 1000;
    this.lastScalars = { at: now, steps: p.globalSteps, updates: p.updates };
    return {
      step: p.globalSteps, wallTime: p.seconds, values: {
        // The mean of 100 returns is on every episode record (charts/mean_return_100).
        [KEYS.stepsPerSecond]: (p.globalSteps - last.steps) / dt,
        [KEYS.updatesPerSecond]: (p.updates - last.updates) / dt,
        [KEYS.skippedUpdates]: p.skippedUpdates,
        [KEYS.learningRate]: learningRate,
        [KEYS.workerRestarts]: p.workerRestarts,
      },
    };
  }

  /** What a checkpoint saves, from `counters` (a copy taken with the weights, under the lock). */
  checkpointState(counters: Float64Array, now: number): CheckpointState {
    const saved = Object.fromEntries(SAVED_COUNTERS.map((name) => [name, counters[Counter[name]]])) as Record<(typeof SAVED_COUNTERS)[number], number>;
    return { ...saved, seconds: this.wallTime(now), segment: this.segment, recentReturns: [...this.recentReturns] };
  }
}
