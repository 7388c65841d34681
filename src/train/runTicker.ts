import type { TrainConfig } from '../config.js';
import type { Checkpointer } from './checkpointer.js';
import { evalSchedule, EvaluatorThread, type BestWeights, type EvalSchedule } from './evaluator.js';
import { allFinite } from './globalStore.js';
import type { RunMetrics } from './runMetrics.js';
import type { RunMonitor, Progress } from './runMonitor.js';

/**
 * The coordinator's clock, shared by one-process training and the learner service: periodic
 * tasks, budgets, abort, and the evaluator wired to the run's metrics and stop decision.
 */

/**
 * Something a run does every `everyMs` while training runs: scalars, metrics flush, the numeric
 * guard, checkpoints, evaluations.
 */
export interface PeriodicTask {
  everyMs: number;
  run: (now: number) => void;
}

const TICK_MS = 250;
export const SCALARS_EVERY_MS = 5000;
const FINITE_CHECK_EVERY_MS = 1000;

/** Runs each task when due, every tick; checks the budgets first; an abort stops the run. Returns the function that stops the clock. */
export function startRunTicker(tasks: PeriodicTask[], monitor: RunMonitor, hooks: { signal?: AbortSignal; onTick?: (progress: Progress) => void }): () => void {
  const lastRun = tasks.map(() => performance.now());
  const onAbort = (): void => monitor.stop('interrupted');
  hooks.signal?.addEventListener('abort', onAbort);
  if (hooks.signal?.aborted) onAbort();
  const ticker = setInterval(() => {
    const now = performance.now();
    monitor.checkBudgets(now);
    tasks.forEach((task, k) => {
      if (now - lastRun[k] < task.everyMs) return;
      lastRun[k] = now;
      task.run(now);
    });
    hooks.onTick?.(monitor.progress(now));
  }, TICK_MS);
  return () => {
    clearInterval(ticker);
    hooks.signal?.removeEventListener('abort', onAbort);
  };
}

/** The numeric guard: a non-finite global weight fails the run (the last good checkpoint is restored). */
export function finiteCheckTask(params: Float32Array, monitor: RunMonitor): PeriodicTask {
  return { everyMs: FINITE_CHECK_EVERY_MS, run: () => {
    if (!allFinite(params)) monitor.failNumerically(`the global weights became non-finite by step ${monitor.progress(performance.now()).globalSteps}`);
  } };
}

/**
 * The evaluator of a run: its thread plays snapshots of the global weights; its reports go to
 * the metrics, and only its confirmation on the saved best weights stops a run for the target
 * return. The thread starts at its first turn: a run too short for one (or Breakout's first
 * 300 s) pays nothing for it.
 */
export class RunEvaluator {
  readonly schedule: EvalSchedule | null;
  private thread: EvaluatorThread | null = null;
  private bestWeights: BestWeights | null = null;

  constructor(private readonly o: {
    config: TrainConfig; agentsModule: string; runDir: string; resume: boolean;
    metrics: RunMetrics; monitor: RunMonitor; onWarning?: (message: string) => void;
  }) {
    this.schedule = evalSchedule(o.config);
  }

  /** The best weights reported so far (null: none yet). */
  get best(): BestWeights | null { return this.bestWeights; }

  /** The evaluator thread, started on first use. */
  get evaluator(): EvaluatorThread {
    const { config, agentsModule, runDir, resume, metrics, monitor, onWarning } = this.o;
    this.thread ??= new EvaluatorThread(
      { config, agentsModule, runDir, schedule: this.schedule!, resume },
      (report) => {
        const now = performance.now();
        metrics.evaluation(report, monitor.wallTime(now));
        this.bestWeights = report.best;
        const c = report.confirmed;
        if (c) monitor.solve({ weightsPath: c.path, weightsStep: c.step, meanReturn: c.mean_return, episodes: c.episodes }, now);
      },
      (message) => onWarning?.(`evaluator: ${message} (training goes on)`),
    );
    return this.thread;
  }

  /** The periodic task that hands `submit` a turn when the evaluator is free (none when evaluation is off). */
  tasks(submit: (evaluator: EvaluatorThread) => void): PeriodicTask[] {
    if (!this.schedule) return [];
    return [{ everyMs: this.schedule.everySeconds * 1000, run: () => {
      const evaluator = this.evaluator;
      if (!evaluator.busy && !this.o.monitor.stopping) submit(evaluator);
    } }];
  }

  /** Waits for an evaluation under way (it finishes within seconds and is logged), then ends the thread. */
  async close(): Promise<void> {
    await this.thread?.close();
  }
}

/**
 * How a run ends, in one process and in the learner service alike: the evaluation under way
 * finishes (within seconds) and is logged, the final checkpoint is written (not after a numeric
 * fault: the last good one is restored instead), the metrics close; then a numeric fault, a failed
 * final write, a failure or a divergence is thrown. Returns the run's final progress.
 */
export async function finishRun(run: { evaluation: RunEvaluator; monitor: RunMonitor; checkpointer: Checkpointer; metrics: RunMetrics }): Promise<Progress> {
  const { evaluation, monitor, checkpointer, metrics } = run;
  await evaluation.close();
  const final = monitor.progress(performance.now());
  const saved = monitor.numericFault === null && await checkpointer.writeFinal();
  metrics.close();
  if (monitor.numericFault !== null) throw new Error(checkpointer.restoreAfterNumericFault(monitor.numericFault));
  if (!saved) throw new Error(`the final checkpoint could not be written (see the warning above)${checkpointer.lastPath ? `; the newest intact one is ${checkpointer.lastPath}` : ''}`);
  if (monitor.failure) throw monitor.failure;
  const diverged = monitor.divergence();
  if (diverged !== null) throw new Error(diverged); // the checkpoint is written: the run can be resumed with a smaller --lr
  return final;
}
