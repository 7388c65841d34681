import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TrainConfig } from '../config.js';
import { buildActorCritic, parameterCount } from '../agents/networks.js';
import { saveSafetensors } from '../io/safetensors.js';
import { getPreset, networkSpec } from '../presets.js';
import type { EpisodeRecord, LoopTimings } from './actorLearner.js';
import { Counter, GlobalStore } from './globalStore.js';
import type { WorkerInput, WorkerMessage } from './workerThread.js';

export const WEIGHTS_FILE = 'model.safetensors';
export const CONFIG_FILE = 'config.json';
export const METRICS_FILE = 'metrics.jsonl';

export interface Progress {
  seconds: number;
  globalSteps: number;
  episodes: number;
  updates: number;
  skippedUpdates: number;
  stepsPerSecond: number;
  scoreAverage: number;
  scoreMax: number;
  /** Mean return of the last (up to) 100 episodes. */
  meanReturn100: number;
}

export interface TrainSummary extends Progress {
  runDir: string;
  weightsPath: string;
  /** Why training stopped. */
  stopReason: 'steps' | 'time' | 'target' | 'interrupted';
  /** Set when targetReturn was reached: seconds and steps it took. */
  solved: { seconds: number; steps: number } | null;
  /** Loop timings summed over the workers. */
  timings: LoopTimings;
}

export interface TrainHooks {
  onEpisode?: (record: EpisodeRecord, progress: Progress) => void;
  /** Called about once a second. */
  onTick?: (progress: Progress) => void;
  /** Aborting stops the workers after their current step and saves the weights. */
  signal?: AbortSignal;
}

/**
 * Runs one A3C training job: creates the global network in shared memory, starts
 * `config.workers` actor-learner threads, streams their episodes to metrics.jsonl, stops on the
 * step/time/target budget or on abort, and writes the final weights.
 */
export async function train(config: TrainConfig, runDir: string, hooks: TrainHooks = {}): Promise<TrainSummary> {
  const preset = getPreset(config.env);
  const probeEnv = preset.makeEnv(config.seed, config, 'train');
  const spec = networkSpec(config, probeEnv.actionSpace.n);
  probeEnv.close();
  const store = GlobalStore.create(parameterCount(spec), gradientSlots(config), config.kernels === 'wasm');
  const globalNet = buildActorCritic(spec, 1, store.params, 'js');
  globalNet.initialize(config.seed);

  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
  const metricsPath = join(runDir, METRICS_FILE);
  writeFileSync(metricsPath, '');

  const started = performance.now();
  const recentReturns: number[] = [];
  let stopReason: TrainSummary['stopReason'] | null = null;
  let solved: TrainSummary['solved'] = null;
  let workerError: Error | null = null;
  const timings: LoopTimings = { envMs: 0, forwardMs: 0, updateMs: 0, steps: 0, updates: 0 };
  const stop = (reason: TrainSummary['stopReason']): void => {
    stopReason ??= reason;
    store.requestStop();
  };

  const progress = (): Progress => {
    const seconds = (performance.now() - started) / 1000;
    const c = store.counters;
    return {
      seconds,
      globalSteps: c[Counter.globalSteps],
      episodes: c[Counter.episodes],
      updates: c[Counter.updates],
      skippedUpdates: c[Counter.skippedUpdates],
      stepsPerSecond: seconds > 0 ? c[Counter.globalSteps] / seconds : 0,
      scoreAverage: c[Counter.scoreAverage],
      scoreMax: c[Counter.scoreMax],
      meanReturn100: recentReturns.length ? recentReturns.reduce((a, b) => a + b, 0) / recentReturns.length : 0,
    };
  };

  const onEpisode = (record: EpisodeRecord): void => {
    const wallTime = (performance.now() - started) / 1000;
    appendFileSync(metricsPath, JSON.stringify({
      step: record.step, wall_time: round(wallTime, 3), worker: record.worker, episode: record.episode,
      return: record.return, length: record.length, mean_max_prob: round(record.meanMaxProb, 4),
      policy_loss: round(record.policyLoss, 5), value_loss: round(record.valueLoss, 5), entropy: round(record.entropy, 5),
    }) + '\n');
    recentReturns.push(record.return);
    if (recentReturns.length > 100) recentReturns.shift();
    const p = progress();
    if (config.targetReturn !== null && solved === null && recentReturns.length >= 100 && p.meanReturn100 >= config.targetReturn) {
      solved = { seconds: wallTime, steps: record.step };
      stop('target');
    }
    hooks.onEpisode?.(record, p);
  };

  const workers = Array.from({ length: config.workers }, (_, rank) => {
    const input: WorkerInput = { rank, config, buffers: store.buffers };
    const worker = new Worker(new URL('./workerThread.js', import.meta.url), { workerData: input });
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'episode') onEpisode(message.record);
      else if (message.type === 'timings') {
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
  const snapshot = new Float32Array(store.params.length);
  const saveWeights = (): void => {
    store.locked(() => snapshot.set(store.params)); // a consistent copy: no update is half-applied
    const p = progress();
    saveSafetensors(weightsPath, globalNet.tensors(), snapshot, {
      format: 'a3c-weights/1',
      config: JSON.stringify(config),
      counters: JSON.stringify({ globalSteps: p.globalSteps, episodes: p.episodes, updates: p.updates }),
    });
  };
  let lastSave = performance.now();

  const onAbort = (): void => stop('interrupted');
  hooks.signal?.addEventListener('abort', onAbort);
  if (hooks.signal?.aborted) onAbort();
  const ticker = setInterval(() => {
    const p = progress();
    if (config.maxSeconds !== null && p.seconds >= config.maxSeconds) stop('time');
    if (config.maxSteps !== null && p.globalSteps >= config.maxSteps) stop('steps');
    if (performance.now() - lastSave >= config.saveEverySeconds * 1000) {
      lastSave = performance.now();
      saveWeights();
    }
    hooks.onTick?.(p);
  }, 250);

  await Promise.all(workers);
  clearInterval(ticker);
  hooks.signal?.removeEventListener('abort', onAbort);

  const final = progress();
  if (config.maxSteps !== null && final.globalSteps >= config.maxSteps) stopReason ??= 'steps';
  saveWeights();
  if (workerError) throw workerError;
  return { ...final, runDir, weightsPath, stopReason: stopReason ?? 'interrupted', solved, timings };
}

/** Under the lock one update runs at a time, so one shared gradient slot serves every worker. */
export function gradientSlots(config: Pick<TrainConfig, 'hogwild' | 'workers'>): number {
  return config.hogwild ? config.workers : 1;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
