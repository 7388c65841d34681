import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TrainConfig } from '../config.js';
import { arenaBytes, buildActorCritic, parameterCount } from '../agents/networks.js';
import { saveSafetensors } from '../io/safetensors.js';
import { JsonlSink, KEYS, METRICS_FILE, TensorBoardSink, truncateMetrics, type MetricsSink } from '../metrics/sinks.js';
import { writeLiveFrame } from '../metrics/liveFrame.js';
import { getPreset, networkSpec } from '../presets.js';
import type { EpisodeRecord, FaultPlan, LoopTimings } from './actorLearner.js';
import type { ParamTensor } from '../nn/sequential.js';
import { listCheckpoints, readCheckpoint, writeCheckpoint, type Checkpoint, type CheckpointState } from './checkpoint.js';
import { allFinite, Counter, GlobalStore } from './globalStore.js';
import { episodeMetrics } from './episodeMetrics.js';
import { evalMetrics, evalSchedule, EvaluatorThread, type BestWeights, type EvalReport } from './evaluator.js';
import type { WorkerInput, WorkerMessage } from './workerThread.js';

export const WEIGHTS_FILE = 'model.safetensors';
export const CONFIG_FILE = 'config.json';
export { METRICS_FILE } from '../metrics/sinks.js';

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

export interface TrainSummary extends Progress {
  runDir: string;
  weightsPath: string;
  /** The checkpoint written last (at the stop). */
  checkpointPath: string;
  /** Why training stopped. */
  stopReason: 'steps' | 'time' | 'target' | 'interrupted';
  /**
   * Set when targetReturn was reached: when (training seconds, global steps), and the saved
   * weights whose evaluation confirmed it (file, the step they were taken at, their score).
   */
  solved: { seconds: number; steps: number; weightsPath: string; weightsStep: number; meanReturn: number; episodes: number } | null;
  /** The evaluator's best weights (best.safetensors), null when it is off or has not finished an evaluation. */
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
  /** Faults the workers inject into themselves (chaos tests). */
  faults?: FaultPlan;
  /** Crashes of one worker within a minute that stop the run (default MAX_RESTARTS). */
  maxRestarts?: number;
}

export interface WorkerFault {
  rank: number;
  cause: string;
  /** What the coordinator did about the global network: nothing, released the dead worker's lock, or finished its update. */
  recovery: 'none' | 'released' | 'completed-update';
  restarting: boolean;
}

/** A worker crashing this many times within RESTART_WINDOW_MS stops the run instead of looping. */
export const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

const SCALARS_EVERY_MS = 5000;
const LIVE_FRAME_EVERY_MS = 250;

/**
 * Runs one A3C training job: creates the global network in shared memory (or restores it from
 * a checkpoint), starts `config.workers` actor-learner threads, fans their episodes out to the
 * metrics sinks, checkpoints periodically, and stops on the step/time/target budget or on abort
 * with a final checkpoint.
 */
export async function train(config: TrainConfig, runDir: string, hooks: TrainHooks = {}): Promise<TrainSummary> {
  const preset = getPreset(config.env);
  const probeEnv = preset.makeEnv(config.seed, config, 'train');
  const spec = networkSpec(config, probeEnv.actionSpace.n);
  probeEnv.close();
  // With the WebAssembly kernels every worker builds its network in its own region of the shared
  // memory, so its gradient is read in place by the locked update instead of copied there.
  const wasm = config.kernels === 'wasm';
  const arenas = wasm ? { count: config.workers, bytes: arenaBytes(spec, config.tMax + 1) } : undefined;
  const store = GlobalStore.create(parameterCount(spec), gradientSlots(config), wasm, arenas);
  const globalNet = buildActorCritic(spec, 1, store.params, 'js');
  const layout = globalNet.tensors();
  const resume = hooks.resumeFrom;
  const recentReturns: number[] = [];
  let secondsBefore = 0;
  let segment = 1;
  try {
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
  } catch (error) {
    throw new Error(`cannot write to the run directory ${runDir}: ${describeError(error)}: choose another with --run-dir`);
  }
  if (resume) {
    if (resume.params.length !== store.params.length) throw new Error(`checkpoint ${resume.path} holds ${resume.params.length} parameters, the network has ${store.params.length}`);
    store.params.set(resume.params);
    store.moment1.set(resume.moment1);
    store.moment2.set(resume.moment2);
    const s = resume.state;
    const c = store.counters;
    c[Counter.globalSteps] = s.globalSteps;
    c[Counter.episodes] = s.episodes;
    c[Counter.updates] = s.updates;
    c[Counter.skippedUpdates] = s.skippedUpdates;
    c[Counter.optimizerStep] = s.optimizerStep;
    c[Counter.scoreAverage] = s.scoreAverage;
    c[Counter.scoreMax] = s.scoreMax;
    c[Counter.workerRestarts] = s.workerRestarts;
    recentReturns.push(...s.recentReturns);
    secondsBefore = s.seconds;
    segment = s.segment + 1;
    truncateMetrics(runDir, s.episodes, s.globalSteps);
  } else {
    globalNet.initialize(config.seed);
    writeFileSync(join(runDir, METRICS_FILE), '');
  }
  const sinks: MetricsSink[] = [new JsonlSink(runDir), new TensorBoardSink(runDir), ...(hooks.sinks ?? [])];

  const started = performance.now();
  let stopReason: TrainSummary['stopReason'] | null = null;
  let solved: TrainSummary['solved'] = null;
  let workerError: Error | null = null;
  const timings: LoopTimings = { envMs: 0, forwardMs: 0, updateMs: 0, steps: 0, updates: 0 };
  const startSteps = store.counters[Counter.globalSteps];
  const stop = (reason: TrainSummary['stopReason']): void => {
    stopReason ??= reason;
    store.requestStop();
  };

  const progress = (): Progress => {
    const sessionSeconds = (performance.now() - started) / 1000;
    const c = store.counters;
    return {
      seconds: secondsBefore + sessionSeconds,
      sessionSeconds,
      globalSteps: c[Counter.globalSteps],
      episodes: c[Counter.episodes],
      updates: c[Counter.updates],
      skippedUpdates: c[Counter.skippedUpdates],
      stepsPerSecond: sessionSeconds > 0 ? (c[Counter.globalSteps] - startSteps) / sessionSeconds : 0,
      scoreAverage: c[Counter.scoreAverage],
      scoreMax: c[Counter.scoreMax],
      meanReturn100: recentReturns.length ? recentReturns.reduce((a, b) => a + b, 0) / recentReturns.length : 0,
      workerRestarts: c[Counter.workerRestarts],
    };
  };

  // A sink that cannot write (disk full) must not stop training; say so once per sink.
  const failedSinks = new Set<MetricsSink>();
  const toSinks = (fn: (sink: MetricsSink) => void): void => {
    for (const sink of sinks) {
      try {
        fn(sink);
      } catch (error) {
        if (!failedSinks.has(sink)) hooks.onWarning?.(`metrics: ${describeError(error)} (training goes on; metrics may have gaps)`);
        failedSinks.add(sink);
      }
    }
  };

  // Episodes the coordinator has received; a checkpoint waits until every episode its counters
  // include has arrived, so metrics.jsonl never lacks an episode a checkpoint counted.
  let episodesReceived = store.counters[Counter.episodes];
  const onEpisode = (record: EpisodeRecord): void => {
    episodesReceived++;
    const wallTime = secondsBefore + (performance.now() - started) / 1000;
    recentReturns.push(record.return);
    if (recentReturns.length > 100) recentReturns.shift();
    const p = progress();
    const metrics = episodeMetrics(record, wallTime, p.meanReturn100);
    toSinks((sink) => sink.write(metrics));
    hooks.onEpisode?.(record, p);
  };

  let lastFrameWrite = 0;
  let running = 0;
  let allExited!: () => void;
  const exited = new Promise<void>((resolve) => { allExited = resolve; });
  const crashTimes = new Map<number, number[]>();
  const startWorker = (rank: number, generation: number): void => {
    running++;
    const input: WorkerInput = {
      rank, config, buffers: store.buffers, faults: hooks.faults,
      // A resumed run or a restarted worker does not replay earlier random streams.
      seed: config.seed + rank + (segment - 1) * 10_007 + generation * 104_729,
      liveFrameEveryMs: rank === 0 ? LIVE_FRAME_EVERY_MS : 0,
    };
    const worker = new Worker(new URL('./workerThread.js', import.meta.url), { workerData: input });
    let cause: string | null = null;
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'episode') onEpisode(message.record);
      else if (message.type === 'frame') {
        if (performance.now() - lastFrameWrite < LIVE_FRAME_EVERY_MS / 2) return;
        lastFrameWrite = performance.now();
        try { writeLiveFrame(runDir, message.frame); } catch { /* the live view is best-effort */ }
      } else if (message.type === 'timings') {
        for (const key of Object.keys(timings) as (keyof LoopTimings)[]) timings[key] += message.timings[key];
      } else {
        cause ??= message.message;
      }
    });
    worker.on('error', (error) => { cause ??= error.message; });
    worker.on('exit', (code) => {
      running--;
      const recovery = store.recoverFrom(rank, config.optimizer);
      if (code !== 0 || cause !== null || recovery !== 'none') {
        // Only the coordinator writes this counter, so it needs no lock (which another dead worker may hold).
        store.counters[Counter.workerRestarts]++;
        const now = performance.now();
        const recent = (crashTimes.get(rank) ?? []).filter((t) => now - t < RESTART_WINDOW_MS);
        recent.push(now);
        crashTimes.set(rank, recent);
        const why = cause ?? `the thread exited with code ${code}`;
        const restarting = !store.stopRequested && recent.length < (hooks.maxRestarts ?? MAX_RESTARTS);
        hooks.onWorkerFault?.({ rank, cause: why, recovery, restarting });
        if (restarting) startWorker(rank, generation + 1);
        else if (!store.stopRequested) {
          workerError ??= new Error(`worker ${rank} crashed ${recent.length} times within ${RESTART_WINDOW_MS / 1000} s; last cause: ${why}`);
          stop('interrupted');
        }
      }
      if (running === 0) allExited();
    });
  };
  for (let rank = 0; rank < config.workers; rank++) startWorker(rank, 0);

  // The evaluator plays snapshots of the global weights in its own thread; only its
  // confirmation of the saved best weights stops a run for reaching the target return.
  const schedule = evalSchedule(config);
  let best: BestWeights | null = null;
  const onEvalReport = (report: EvalReport): void => {
    const p = progress();
    const record = evalMetrics(report, p.seconds);
    toSinks((sink) => sink.write(record));
    best = report.best;
    if (report.confirmed && solved === null) {
      const c = report.confirmed;
      solved = { seconds: p.seconds, steps: p.globalSteps, weightsPath: c.path, weightsStep: c.step, meanReturn: c.mean_return, episodes: c.episodes };
      stop('target');
    }
  };
  const evaluator = schedule === null ? null
    : new EvaluatorThread({ config, runDir, schedule, resume: resume !== undefined }, onEvalReport, (message) => hooks.onWarning?.(`evaluator: ${message} (training goes on)`));
  let lastEval = performance.now();
  let snapshotting = false;
  /** A copy of the global weights under the lock (no half-applied update in it) for the evaluator. */
  const submitEvaluation = async (): Promise<void> => {
    await store.lockAsync();
    let params: Float32Array;
    let step: number;
    try {
      params = store.params.slice();
      step = store.counters[Counter.globalSteps];
    } finally {
      store.unlock();
    }
    if (!store.stopRequested) evaluator?.submit(params, step);
  };

  const weightsPath = join(runDir, WEIGHTS_FILE);
  const snapshot = { params: new Float32Array(store.params.length), moment1: new Float32Array(store.params.length), moment2: new Float32Array(store.params.length) };
  let lastCheckpointPath = '';
  let numericFault: string | null = null;
  let checkpointing = false;
  /** Writes a checkpoint and model.safetensors; resolves false (with a warning) if the disk refused. */
  const checkpoint = async (): Promise<boolean> => {
    const t0 = performance.now();
    // A consistent copy under the lock: no update is half-applied in it.
    await store.lockAsync();
    let counters: Float64Array;
    try {
      snapshot.params.set(store.params);
      snapshot.moment1.set(store.moment1);
      snapshot.moment2.set(store.moment2);
      counters = Float64Array.from(store.counters);
    } finally {
      store.unlock();
    }
    const waitUntil = performance.now() + 2000; // messages in flight take microseconds; never wait forever
    while (episodesReceived < counters[Counter.episodes] && performance.now() < waitUntil) await new Promise((resolve) => setImmediate(resolve));
    if (!allFinite(snapshot.params) || !allFinite(snapshot.moment1) || !allFinite(snapshot.moment2)) {
      numericFault ??= `the global network became non-finite by step ${counters[Counter.globalSteps]}`;
      stop('interrupted');
      return false;
    }
    const p = progress();
    const state: CheckpointState = {
      globalSteps: counters[Counter.globalSteps], episodes: counters[Counter.episodes], updates: counters[Counter.updates],
      skippedUpdates: counters[Counter.skippedUpdates], optimizerStep: counters[Counter.optimizerStep],
      scoreAverage: counters[Counter.scoreAverage], scoreMax: counters[Counter.scoreMax],
      workerRestarts: counters[Counter.workerRestarts],
      seconds: p.seconds, segment, recentReturns: [...recentReturns],
    };
    toSinks((sink) => sink.flush()); // the metrics on disk reach at least as far as the checkpoint
    try {
      lastCheckpointPath = writeCheckpoint(runDir, layout, { config, state, ...snapshot }, config.keepCheckpoints);
      saveSafetensors(weightsPath, layout, snapshot.params, {
        format: 'a3c-weights/1', config: JSON.stringify(config),
        counters: JSON.stringify({ globalSteps: state.globalSteps, episodes: state.episodes, updates: state.updates }),
      });
    } catch (error) {
      hooks.onWarning?.(`checkpoint at step ${state.globalSteps} not written: ${describeError(error)}; earlier checkpoints are intact${lastCheckpointPath ? ` (newest: ${lastCheckpointPath})` : ''}`);
      return false;
    }
    hooks.onCheckpoint?.(lastCheckpointPath, performance.now() - t0);
    return true;
  };

  const onAbort = (): void => stop('interrupted');
  hooks.signal?.addEventListener('abort', onAbort);
  if (hooks.signal?.aborted) onAbort();
  let lastCheckpoint = performance.now();
  let lastFiniteCheck = performance.now();
  let lastScalars = { at: performance.now(), steps: startSteps, updates: store.counters[Counter.updates] };
  const ticker = setInterval(() => {
    const p = progress();
    if (config.maxSeconds !== null && p.sessionSeconds >= config.maxSeconds) stop('time');
    if (config.maxSteps !== null && p.globalSteps >= config.maxSteps) stop('steps');
    const now = performance.now();
    if (now - lastScalars.at >= SCALARS_EVERY_MS) {
      const dt = (now - lastScalars.at) / 1000;
      const record = {
        kind: 'scalars' as const, step: p.globalSteps, wall_time: p.seconds,
        values: {
          [KEYS.stepsPerSecond]: (p.globalSteps - lastScalars.steps) / dt,
          [KEYS.updatesPerSecond]: (p.updates - lastScalars.updates) / dt,
          [KEYS.skippedUpdates]: p.skippedUpdates,
          [KEYS.learningRate]: config.optimizer.learningRate,
          [KEYS.workerRestarts]: p.workerRestarts,
        },
      };
      toSinks((sink) => sink.write(record));
      lastScalars = { at: now, steps: p.globalSteps, updates: p.updates };
    }
    if (evaluator && schedule && !evaluator.busy && !snapshotting && !store.stopRequested && now - lastEval >= schedule.everySeconds * 1000) {
      lastEval = now;
      snapshotting = true;
      void submitEvaluation().finally(() => { snapshotting = false; });
    }
    toSinks((sink) => sink.flush());
    if (now - lastFiniteCheck >= 1000) {
      lastFiniteCheck = now;
      if (!allFinite(store.params)) {
        numericFault ??= `the global weights became non-finite by step ${p.globalSteps}`;
        stop('interrupted');
      }
    }
    if (now - lastCheckpoint >= config.checkpointEverySeconds * 1000 && !checkpointing) {
      lastCheckpoint = now;
      checkpointing = true;
      void checkpoint().finally(() => { checkpointing = false; });
    }
    hooks.onTick?.(p);
  }, 250);

  try {
    await exited;
  } finally {
    clearInterval(ticker);
    hooks.signal?.removeEventListener('abort', onAbort);
  }
  const final = progress();
  if (config.maxSteps !== null && final.globalSteps >= config.maxSteps) stopReason ??= 'steps';
  while (checkpointing || snapshotting) await new Promise((resolve) => setTimeout(resolve, 10));
  await evaluator?.close(); // an evaluation under way finishes (within seconds) and is logged
  const saved = numericFault === null && await checkpoint();
  toSinks((sink) => sink.close());
  if (numericFault !== null) throw new Error(restoreAfterNumericFault(runDir, layout, numericFault));
  if (!saved) throw new Error(`the final checkpoint could not be written (see the warning above)${lastCheckpointPath ? `; the newest intact one is ${lastCheckpointPath}` : ''}`);
  if (workerError) throw workerError;
  return { ...final, runDir, weightsPath, checkpointPath: lastCheckpointPath, stopReason: stopReason ?? 'interrupted', solved, best, timings };
}

/**
 * Non-finite global weights are never written. model.safetensors is put back to the newest
 * good checkpoint's weights; returns the message that explains what happened.
 */
function restoreAfterNumericFault(runDir: string, layout: ParamTensor[], fault: string): string {
  const files = listCheckpoints(runDir);
  if (files.length === 0) return `${fault}; no checkpoint had been written yet, so nothing was saved`;
  const newest = files[files.length - 1];
  try {
    const good = readCheckpoint(newest, () => layout);
    saveSafetensors(join(runDir, WEIGHTS_FILE), layout, good.params, { format: 'a3c-weights/1', config: JSON.stringify(good.config), restoredFrom: newest });
  } catch (error) {
    return `${fault}; restoring ${newest} failed too: ${describeError(error)}`;
  }
  return `${fault}; nothing was saved after it: ${WEIGHTS_FILE} holds the weights of the last good checkpoint ${newest}; continue with a3c train --resume ${runDir}`;
}

/** One line for an error, with the plain meaning of common file-system codes. */
export function describeError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const meaning: Record<string, string> = {
    ENOSPC: 'the disk is full', EROFS: 'the file system is read-only', EACCES: 'permission denied',
    EPERM: 'operation not permitted', ENOTDIR: 'a path component is not a directory', EDQUOT: 'disk quota exceeded',
  };
  if (e && typeof e === 'object' && e.code && meaning[e.code]) return `${meaning[e.code]} (${e.code}${e.path ? `: ${e.path}` : ''})`;
  return e instanceof Error ? e.message : String(error);
}

/** Under the lock one update runs at a time, so one shared gradient slot serves every worker. */
export function gradientSlots(config: Pick<TrainConfig, 'hogwild' | 'workers'>): number {
  return config.hogwild ? config.workers : 1;
}
