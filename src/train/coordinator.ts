import type { TrainConfig } from '../config.js';
import { arenaBytes, parameterCount } from '../agents/networks.js';
import { JsonlSink, KEYS, TensorBoardSink, type MetricsSink } from '../metrics/sinks.js';
import type { EpisodeRecord, LoopTimings } from './actorLearner.js';
import type { ParamTensor } from '../nn/sequential.js';
import type { Checkpoint } from './checkpoint.js';
import { Checkpointer } from './checkpointer.js';
import { probeNetworkSpec, type AgentFactory } from './agentFactory.js';
import type { BestWeights, EvaluatorThread } from './evaluator.js';
import { installedFaultInjection, type FaultInjection } from './faults.js';
import { learningRateAt, optimizerSettings } from './learningRate.js';
import { Counter, GlobalStore } from './globalStore.js';
import { withGlobalRun } from './globalRun.js';
import type { RunDirectory } from './runDirectory.js';
import { RunMetrics } from './runMetrics.js';
import { finishRun, finiteCheckTask, RunEvaluator, SCALARS_EVERY_MS, startRunTicker, type PeriodicTask } from './runTicker.js';
import { RunMonitor, type Progress, type Solved, type StopReason } from './runMonitor.js';
import { WorkerPool, type WorkerFault } from './workerPool.js';
import type { WorkerInput, WorkerMessage } from './workerThread.js';
import { batchRows, threadRanks } from './batchedActors.js';

export { CONFIG_FILE, WEIGHTS_FILE, BEST_WEIGHTS_FILE, METRICS_FILE, describeError } from './runDirectory.js';
export { MAX_RESTARTS, type WorkerFault } from './workerPool.js';
export type { Progress, Solved, StopReason } from './runMonitor.js';

export interface TrainSummary extends Progress {
  runDir: string;
  weightsPath: string;
  /** The checkpoint written last (at the stop). */
  checkpointPath: string;
  /** Why training stopped. */
  stopReason: StopReason;
  /** Set when targetReturn was reached, which only the evaluator's confirmation on the saved best weights decides. */
  solved: Solved | null;
  /** The evaluator's best weights (best.safetensors) this invocation; null when it is off or finished no evaluation. */
  best: BestWeights | null;
  /** Loop timings summed over the workers. */
  timings: LoopTimings;
}

export interface TrainHooks {
  onEpisode?: (record: EpisodeRecord, progress: Progress) => void;
  /** Called about four times a second. */
  onTick?: (progress: Progress) => void;
  /** Called after each checkpoint with its path and the milliseconds writing it took. */
  onCheckpoint?: (path: string, milliseconds: number) => void;
  /** Aborting stops the workers after their current step and writes a checkpoint. */
  signal?: AbortSignal;
  /** Continue from this checkpoint: weights, optimizer state, counters and curves. */
  resumeFrom?: Checkpoint;
  /** More sinks for the metrics stream, e.g. the console (metrics.jsonl and TensorBoard are always written). */
  sinks?: MetricsSink[];
  /** A worker died; it is restarted unless the run is stopping or it keeps crashing. */
  onWorkerFault?: (fault: WorkerFault) => void;
  /** Something went wrong that training survives (a checkpoint or metrics write failed). */
  onWarning?: (message: string) => void;
  /** Faults the workers inject into themselves (chaos tests: see chaos.ts); default: the installed ones, normally none. */
  faults?: FaultInjection;
  /** The run directory, already locked by the caller (who releases it); otherwise train() locks `runDir` itself. */
  runDirectory?: RunDirectory;
  /** Crashes of one worker within a minute that stop the run (default: the fault injection's, else MAX_RESTARTS). */
  maxRestarts?: number;
}

export type { PeriodicTask } from './runTicker.js';

const LIVE_FRAME_EVERY_MS = 250;

/**
 * Runs one A3C training job: creates the global network in shared memory (or restores it from
 * a checkpoint), starts `config.workers` actor-learners (one thread each, or `config.envsPerThread`
 * per thread acting together), fans their episodes out to the
 * metrics sinks, checkpoints periodically, and stops on the step/time/target budget or on abort
 * with a final checkpoint.
 */
export async function trainAgents(agents: AgentFactory, config: TrainConfig, runDir: string, hooks: TrainHooks = {}): Promise<TrainSummary> {
  const spec = probeNetworkSpec(agents, config);
  // With the WebAssembly kernels every thread builds its network in its own region of the shared
  // memory, so its gradient is read in place by the locked update instead of copied there.
  const wasm = config.kernels === 'wasm';
  const threads = threadRanks(config.workers, config.envsPerThread).length;
  const rows = config.envsPerThread > 1 ? batchRows(config.tMax, config.envsPerThread, spec.kind === 'lstm') : config.tMax + 1;
  const arenas = wasm ? { count: threads, bytes: arenaBytes(spec, rows) } : undefined;
  const store = GlobalStore.create(parameterCount(spec), gradientSlots(config, GlobalStore.arenasAvailable(wasm)), wasm, arenas);
  return withGlobalRun(config, runDir, hooks, store, spec, (dir, layout) => runTraining(agents, config, dir, store, layout, hooks));
}

async function runTraining(agents: AgentFactory, config: TrainConfig, dir: RunDirectory, store: GlobalStore, layout: ParamTensor[], hooks: TrainHooks): Promise<TrainSummary> {
  const metrics = new RunMetrics([new JsonlSink(dir.path), new TensorBoardSink(dir.path), ...(hooks.sinks ?? [])], hooks.onWarning);
  const monitor: RunMonitor = new RunMonitor(store.counters, config, hooks.resumeFrom?.state, () => pool.stop());
  const checkpointer = new Checkpointer({ store, dir, layout, config, monitor, flushMetrics: () => metrics.flush(), onCheckpoint: hooks.onCheckpoint, onWarning: hooks.onWarning });
  const timings: LoopTimings = { envMs: 0, forwardMs: 0, updateMs: 0, lockWaitMs: 0, lockHoldMs: 0, steps: 0, updates: 0 };
  let lastFrameWrite = 0;
  const onMessage = (message: WorkerMessage): void => {
    if (message.type === 'episode') {
      const now = performance.now();
      const progress = monitor.episode(message.record, now);
      metrics.episode(message.record, monitor.wallTime(now), progress.meanReturn100);
      hooks.onEpisode?.(message.record, progress);
    } else if (message.type === 'frame') {
      if (performance.now() - lastFrameWrite < LIVE_FRAME_EVERY_MS / 2) return;
      lastFrameWrite = performance.now();
      dir.writeLiveFrame(message.frame);
    } else if (message.type === 'timings') {
      for (const key of Object.keys(timings) as (keyof LoopTimings)[]) timings[key] += message.timings[key];
    }
  };
  const faults = hooks.faults ?? installedFaultInjection();
  // A resumed run or a restarted worker does not replay earlier random streams.
  const seedOf = (rank: number, generation: number) => config.seed + rank + (monitor.segment - 1) * 10_007 + generation * 104_729;
  // With K actor-learners per thread the pool's unit is a thread: `index` is its lock id, arena and slot.
  const batches = config.envsPerThread > 1 ? threadRanks(config.workers, config.envsPerThread) : null;
  const inputFor = (index: number, generation: number): WorkerInput => {
    const input: WorkerInput = {
      rank: index, config, agentsModule: agents.moduleUrl, buffers: store.buffers, faults,
      seed: seedOf(index, generation), liveFrameEveryMs: index === 0 ? LIVE_FRAME_EVERY_MS : 0,
    };
    if (batches) input.batch = batches[index].map((rank) => ({ rank, seed: seedOf(rank, generation) }));
    return input;
  };
  /** A batched thread's fault names its first actor-learner and the ones it hosted. */
  const learnerFault = (fault: WorkerFault): WorkerFault => {
    if (!batches) return fault;
    const ranks = batches[fault.rank];
    return { ...fault, rank: ranks[0], cause: `${fault.cause} (the thread of actor-learners ${ranks[0]}-${ranks[ranks.length - 1]})` };
  };
  const pool = new WorkerPool({
    count: batches ? batches.length : config.workers, store, optimizer: optimizerSettings(config), maxRestarts: hooks.maxRestarts ?? faults?.maxRestarts, onMessage,
    inputFor,
    onFault: (fault) => { monitor.countWorkerFault(); hooks.onWorkerFault?.(learnerFault(fault)); },
    onGiveUp: (error) => monitor.fail(error),
  });
  pool.start();

  // The evaluator plays snapshots of the global weights in its own thread; only its
  // confirmation on the saved best weights stops a run for the target return.
  const evaluation = new RunEvaluator({ config, agentsModule: agents.moduleUrl, runDir: dir.path, resume: hooks.resumeFrom !== undefined, metrics, monitor, onWarning: hooks.onWarning });
  let snapshotting = false;
  /** A copy of the global weights under the lock (no half-applied update in it), handed to the evaluator. */
  const submitEvaluation = async (evaluator: EvaluatorThread): Promise<void> => {
    const step = store.counters[Counter.globalSteps]; // read just before the copy: the weights are at least this far
    const params = new Float32Array(store.params.length);
    await store.copyParams(params);
    if (!monitor.stopping) evaluator.submit(params, step);
  };

  const tasks: PeriodicTask[] = [
    { everyMs: SCALARS_EVERY_MS, run: (now) => {
      const { step, wallTime, values } = monitor.scalars(now, learningRateAt(config, store.counters[Counter.globalSteps]));
      metrics.scalars(step, wallTime, values);
    } },
    { everyMs: 0, run: () => metrics.flush() },
    finiteCheckTask(store.params, monitor),
    { everyMs: 0, run: (now) => checkpointer.maybeWrite(now) },
    // One evaluation at a time: a busy evaluator skips a turn.
    ...evaluation.tasks((evaluator) => {
      if (snapshotting) return;
      snapshotting = true;
      void submitEvaluation(evaluator).finally(() => { snapshotting = false; });
    }),
  ];
  const stopTicker = startRunTicker(tasks, monitor, hooks);

  try {
    await pool.exited;
  } finally {
    stopTicker();
  }
  monitor.checkBudgets(performance.now()); // workers stop themselves at the step budget
  while (snapshotting) await new Promise((resolve) => setTimeout(resolve, 10));
  const final = await finishRun({ evaluation, monitor, checkpointer, metrics });
  return { ...final, runDir: dir.path, weightsPath: dir.weightsPath, checkpointPath: checkpointer.lastPath, stopReason: monitor.stopReason, solved: monitor.solved, best: evaluation.best, timings };
}

/**
 * Gradient slots the global store needs: none where every worker's network lies in its arena
 * (its gradient is read in place); otherwise one per worker for Hogwild updates, which overlap,
 * and one for locked updates, which run one at a time.
 */
export function gradientSlots(config: Pick<TrainConfig, 'hogwild' | 'workers'>, arenas: boolean): number {
  if (arenas) return 0;
  return config.hogwild ? config.workers : 1;
}
