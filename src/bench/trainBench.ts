import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrainConfig } from '../config.js';
import type { EmulatorKind } from '../envs/atari/emulatorCore.js';
import { loadRom } from '../envs/atari/rom.js';
import { getPreset } from '../presets.js';
import { buildTrainConfig } from '../runConfig.js';
import { train } from '../presetEngine.js';
import { forEachLine } from '../io/lines.js';
import { parseRecordLine } from '../metrics/records.js';
import { METRICS_FILE } from '../train/runDirectory.js';

export interface TrainBenchResult {
  env: string;
  net: string;
  kernels: string;
  workers: number;
  /** Actor-learners per thread (--envs-per-thread): threads = workers / this, rounded up. */
  envs_per_thread: number;
  seconds: number;
  /** From the run's first periodic record (a few seconds in: threads started, code warm) to its end. */
  agent_steps_per_s: number;
  /** Over the whole run, the threads' start-up included. */
  agent_steps_per_s_whole_run: number;
  updates_per_s: number;
  /** Shares of the workers' loop time (batched: forward is the K-row acting pass; update includes the rollout's replay forward). */
  share_env: number;
  share_forward: number;
  share_update: number;
  /** Shares of the threads' loop time spent waiting for the update lock and holding it; ms per update of each. */
  share_lock_wait: number;
  share_lock_hold: number;
  lock_wait_ms_per_update: number;
  lock_hold_ms_per_update: number;
  /** With a ROM: the game it was run as, its MD5 and the 2600 core that ran it. */
  game?: string;
  rom_md5?: string;
  emulator?: EmulatorKind;
  /**
   * The process's peak resident set size once the run ended, in MiB (its worker threads
   * included); only for the command's first run, since a baseline after it would see its peak.
   */
  peak_rss_mib?: number;
  /**
   * Trained right after, in the same process: with a ROM the built-in Breakout with the same
   * net, workers and seconds; with --baseline-workers or --baseline-envs-per-thread the same
   * environment with those.
   */
  baseline?: TrainBenchResult;
  /** With a baseline: agent_steps_per_s / baseline.agent_steps_per_s. */
  agent_steps_ratio_to_baseline?: number;
}

export interface TrainBenchOptions {
  workers: number;
  seconds: number;
  net?: string;
  kernels?: 'js' | 'wasm';
  envsPerThread?: number;
  /** Train on this Atari 2600 ROM (`game`: its settings where the MD5 is unknown; `emulator`: the core). */
  rom?: { path: string; game?: string; emulator?: EmulatorKind };
  /** A baseline of the same environment with these workers and/or actor-learners per thread (not with a ROM); what is not given stays as asked. */
  baselineWorkers?: number;
  baselineEnvsPerThread?: number;
}

/** The environment the ROM runs is the one the baseline must beat: the game without the emulator. */
const BASELINE_ENV = 'breakout';

/** What a bench run trains: the asked config, and with a ROM its identity and the baseline's config. */
export interface TrainBenchPlan {
  measured: TrainConfig;
  rom?: { md5: string; game: string };
  baseline?: TrainConfig;
}

/**
 * The configs a bench run trains: the asked one, and its baseline if any: with a ROM the
 * built-in Breakout with the same net, workers and seconds; with `baselineWorkers` or
 * `baselineEnvsPerThread` the same environment and net with those (the scaling of workers, or
 * batched against one thread per actor-learner). Every problem with the settings or the ROM
 * (the ROM loader's one-line refusals) is thrown here, before anything trains.
 */
export function planTrainBench(envId: string, options: TrainBenchOptions): TrainBenchPlan {
  const common = { workers: options.workers, envsPerThread: options.envsPerThread, seed: 0, maxSeconds: options.seconds, net: options.net, kernels: options.kernels, targetReturn: null };
  const rom = options.rom;
  const againstSameEnv = options.baselineWorkers !== undefined || options.baselineEnvsPerThread !== undefined;
  if (rom && againstSameEnv) {
    throw new Error('--baseline-workers and --baseline-envs-per-thread cannot be used with --rom (a ROM\'s baseline is the built-in game): drop one of them');
  }
  const measured = buildTrainConfig(envId, rom ? { ...common, rom: rom.path, game: rom.game, emulator: rom.emulator } : common);
  if (againstSameEnv) {
    const baseline = buildTrainConfig(envId, { ...common, workers: options.baselineWorkers ?? options.workers, envsPerThread: options.baselineEnvsPerThread ?? options.envsPerThread, net: measured.net });
    return { measured, baseline };
  }
  if (!rom) return { measured };
  const loaded = loadRom(rom.path, rom.game);
  getPreset(measured.env).makeEnv(measured.seed, measured, 'train').close(); // the workers' environment builds: its errors come now, not from a thread
  return { measured, rom: { md5: loaded.md5, game: loaded.game.id }, baseline: buildTrainConfig(BASELINE_ENV, { ...common, net: measured.net }) };
}

/** Runs the real training loop for `seconds` in a temporary directory and reports throughput. */
async function measureTraining(config: TrainConfig): Promise<TrainBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-bench-'));
  try {
    const summary = await train(config, dir);
    const t = summary.timings;
    const total = t.envMs + t.forwardMs + t.updateMs || 1;
    return {
      env: config.env, net: config.net, kernels: config.kernels, workers: config.workers, envs_per_thread: config.envsPerThread, seconds: summary.seconds,
      agent_steps_per_s: steadyRate(join(dir, METRICS_FILE), summary.globalSteps, summary.seconds) ?? summary.globalSteps / summary.seconds,
      agent_steps_per_s_whole_run: summary.globalSteps / summary.seconds,
      updates_per_s: summary.updates / summary.seconds,
      share_env: t.envMs / total, share_forward: t.forwardMs / total, share_update: t.updateMs / total,
      share_lock_wait: t.lockWaitMs / total, share_lock_hold: t.lockHoldMs / total,
      lock_wait_ms_per_update: t.lockWaitMs / (t.updates || 1), lock_hold_ms_per_update: t.lockHoldMs / (t.updates || 1),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Agent steps/s from the first periodic record to the end; null when the run was too short to have one a second before its end. */
function steadyRate(metricsPath: string, endSteps: number, endSeconds: number): number | null {
  const start = { step: 0, seconds: 0 };
  try {
    // Streamed: a CartPole run's episode lines can outgrow the longest string V8 makes.
    forEachLine(metricsPath, (line) => {
      if (start.step > 0 || !line.includes('"scalars"')) return;
      const record = parseRecordLine(line);
      if (record?.kind === 'scalars' && record.step > 0) { start.step = record.step; start.seconds = record.wall_time; }
    });
  } catch { return null; }
  return start.step > 0 && endSeconds - start.seconds >= 1 ? (endSteps - start.step) / (endSeconds - start.seconds) : null;
}

/**
 * Trains `plan.measured` and reports its throughput and the process's peak memory; with a
 * baseline, trains it right after and adds its figures and the ratio of agent steps/s.
 */
export async function benchTrain(plan: TrainBenchPlan): Promise<TrainBenchResult> {
  const measured = await measureTraining(plan.measured);
  const result: TrainBenchResult = { ...measured, peak_rss_mib: process.resourceUsage().maxRSS / 1024 };
  if (plan.rom) Object.assign(result, { game: plan.rom.game, rom_md5: plan.rom.md5, emulator: plan.measured.emulator });
  if (!plan.baseline) return result;
  const baseline = await measureTraining(plan.baseline);
  return { ...result, baseline, agent_steps_ratio_to_baseline: result.agent_steps_per_s / baseline.agent_steps_per_s };
}
