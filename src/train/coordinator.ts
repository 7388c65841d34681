import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TrainConfig } from '../config.js';
import { buildActorCritic, parameterCount } from '../agents/networks.js';
import { saveSafetensors } from '../io/safetensors.js';
import { JsonlSink, METRICS_FILE, TensorBoardSink, truncateMetrics, type MetricsSink } from '../metrics/sinks.js';
import { writeLiveFrame } from '../metrics/liveFrame.js';
import { getPreset, networkSpec } from '../presets.js';
import type { EpisodeRecord, LoopTimings } from './actorLearner.js';
import { writeCheckpoint, type Checkpoint, type CheckpointState } from './checkpoint.js';
import { Counter, GlobalStore } from './globalStore.js';
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
}

export interface TrainSummary extends Progress {
  runDir: string;
  weightsPath: string;
  /** The checkpoint written last (at the stop). */
  checkpointPath: string;
  /** Why training stopped. */
  stopReason: 'steps' | 'time' | 'target' | 'interrupted';
  /** Set when targetReturn was reached: seconds and steps it took. */
  solved: { seconds: number; steps: number } | null;
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
  /** More sinks for the metrics stream (metrics.jsonl and TensorBoard are always written). */
  sinks?: MetricsSink[];
}

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
  const store = GlobalStore.create(parameterCount(spec), gradientSlots(config), config.kernels === 'wasm');
  const globalNet = buildActorCritic(spec, 1, store.params, 'js');
  const layout = globalNet.tensors();
  const resume = hooks.resumeFrom;
  const recentReturns: number[] = [];
  let secondsBefore = 0;
  let segment = 1;
  mkdirSync(runDir, { recursive: true });
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
    recentReturns.push(...s.recentReturns);
    secondsBefore = s.seconds;
    segment = s.segment + 1;
    truncateMetrics(runDir, s.globalSteps);
  } else {
    globalNet.initialize(config.seed);
    writeFileSync(join(runDir, METRICS_FILE), '');
  }
  writeFileSync(join(runDir, CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
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
    };
  };

  const onEpisode = (record: EpisodeRecord): void => {
    const wallTime = secondsBefore + (performance.now() - started) / 1000;
    for (const sink of sinks) sink.episode(record, wallTime);
    recentReturns.push(record.return);
    if (recentReturns.length > 100) recentReturns.shift();
    const p = progress();
    if (config.targetReturn !== null && solved === null && recentReturns.length >= 100 && p.meanReturn100 >= config.targetReturn) {
      solved = { seconds: wallTime, steps: record.step };
      stop('target');
    }
    hooks.onEpisode?.(record, p);
  };

  let lastFrameWrite = 0;
  const workers = Array.from({ length: config.workers }, (_, rank) => {
    const input: WorkerInput = {
      rank, config, buffers: store.buffers,
      seed: config.seed + rank + (segment - 1) * 10_007, // a resumed run does not replay its first random streams
      liveFrameEveryMs: rank === 0 ? LIVE_FRAME_EVERY_MS : 0,
    };
    const worker = new Worker(new URL('./workerThread.js', import.meta.url), { workerData: input });
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'episode') onEpisode(message.record);
      else if (message.type === 'frame') {
        if (performance.now() - lastFrameWrite < LIVE_FRAME_EVERY_MS / 2) return;
        lastFrameWrite = performance.now();
        writeLiveFrame(runDir, message.frame);
      } else if (message.type === 'timings') {
        for (const key of Object.keys(timings) as (keyof LoopTimings)[]) timings[key] += message.timings[key];
      } else {
        workerError ??= new Error(`worker ${message.rank} failed: ${message.message}`);
        stop('interrupted');
      }
    });
    return new Promise<void>((resolve) => {
      worker.on('error', (error) => { workerError ??= error; stop('interrupted'); resolve(); });
      worker.on('exit', () => resolve());
    });
  });

  const weightsPath = join(runDir, WEIGHTS_FILE);
  const snapshot = { params: new Float32Array(store.params.length), moment1: new Float32Array(store.params.length), moment2: new Float32Array(store.params.length) };
  let lastCheckpointPath = '';
  const checkpoint = (): void => {
    const t0 = performance.now();
    // A consistent copy under the lock: no update is half-applied in it.
    const counters = store.locked(() => {
      snapshot.params.set(store.params);
      snapshot.moment1.set(store.moment1);
      snapshot.moment2.set(store.moment2);
      return Float64Array.from(store.counters);
    });
    const p = progress();
    const state: CheckpointState = {
      globalSteps: counters[Counter.globalSteps], episodes: counters[Counter.episodes], updates: counters[Counter.updates],
      skippedUpdates: counters[Counter.skippedUpdates], optimizerStep: counters[Counter.optimizerStep],
      scoreAverage: counters[Counter.scoreAverage], scoreMax: counters[Counter.scoreMax],
      seconds: p.seconds, segment, recentReturns: [...recentReturns],
    };
    for (const sink of sinks) sink.flush(); // the metrics on disk reach at least as far as the checkpoint
    lastCheckpointPath = writeCheckpoint(runDir, layout, { config, state, ...snapshot }, config.keepCheckpoints);
    saveSafetensors(weightsPath, layout, snapshot.params, {
      format: 'a3c-weights/1', config: JSON.stringify(config),
      counters: JSON.stringify({ globalSteps: state.globalSteps, episodes: state.episodes, updates: state.updates }),
    });
    hooks.onCheckpoint?.(lastCheckpointPath, performance.now() - t0);
  };

  const onAbort = (): void => stop('interrupted');
  hooks.signal?.addEventListener('abort', onAbort);
  if (hooks.signal?.aborted) onAbort();
  let lastCheckpoint = performance.now();
  let lastScalars = { at: performance.now(), steps: startSteps, updates: store.counters[Counter.updates] };
  const ticker = setInterval(() => {
    const p = progress();
    if (config.maxSeconds !== null && p.sessionSeconds >= config.maxSeconds) stop('time');
    if (config.maxSteps !== null && p.globalSteps >= config.maxSteps) stop('steps');
    const now = performance.now();
    if (now - lastScalars.at >= SCALARS_EVERY_MS) {
      const dt = (now - lastScalars.at) / 1000;
      for (const sink of sinks) {
        sink.scalars(p.globalSteps, p.seconds, {
          'perf/steps_per_second': (p.globalSteps - lastScalars.steps) / dt,
          'perf/updates_per_second': (p.updates - lastScalars.updates) / dt,
          'perf/skipped_updates': p.skippedUpdates,
          'charts/learning_rate': config.optimizer.learningRate,
          'charts/mean_return_100': p.meanReturn100,
        });
      }
      lastScalars = { at: now, steps: p.globalSteps, updates: p.updates };
    }
    for (const sink of sinks) sink.flush();
    if (now - lastCheckpoint >= config.checkpointEverySeconds * 1000) {
      lastCheckpoint = now;
      checkpoint();
    }
    hooks.onTick?.(p);
  }, 250);

  try {
    await Promise.all(workers);
  } finally {
    clearInterval(ticker);
    hooks.signal?.removeEventListener('abort', onAbort);
  }
  const final = progress();
  if (config.maxSteps !== null && final.globalSteps >= config.maxSteps) stopReason ??= 'steps';
  checkpoint();
  for (const sink of sinks) sink.close();
  if (workerError) throw workerError;
  return { ...final, runDir, weightsPath, checkpointPath: lastCheckpointPath, stopReason: stopReason ?? 'interrupted', solved, timings };
}

/** Under the lock one update runs at a time, so one shared gradient slot serves every worker. */
export function gradientSlots(config: Pick<TrainConfig, 'hogwild' | 'workers'>): number {
  return config.hogwild ? config.workers : 1;
}
