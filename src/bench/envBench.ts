import { Breakout } from '../envs/breakout/breakout.js';
import type { Env } from '../envs/env.js';
import { Rng } from '../util/rng.js';
import { getPreset } from '../presets.js';
import { AtariEnv } from '../envs/atari/atariEnv.js';
import { loadRom } from '../envs/atari/rom.js';
import { DEFAULT_EMULATOR, EMULATORS, type EmulatorKind } from '../envs/atari/emulatorCore.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTrainConfig } from '../runConfig.js';
import { train } from '../presetEngine.js';

export interface EnvBenchResult {
  env: string;
  /** Steps/s of the bare game (for Breakout: frame skip 4, RGB frames, no preprocessing). */
  raw_steps_per_s: number;
  /** Steps/s of the full preset chain the learner sees (gray 84x84, stack, ...). */
  preprocessed_steps_per_s: number;
  /** With a ROM: the core the raw and preprocessed figures ran on. */
  emulator?: EmulatorKind;
  /** With a ROM: emulated Atari frames per second on that core, after a short warm-up (the frames of resets in the measured steps included). */
  emulated_frames_per_s?: number;
  /** With a ROM: emulated frames per second of each 2600 core, measured one after the other. */
  emulated_frames_per_s_by_emulator?: Record<EmulatorKind, number>;
  rom_md5?: string;
  game?: string;
  /** Share of the training loop's time spent in the environment (`bench train`, 1 worker, `seconds` long). */
  train_share_env?: number;
  /** The environment options of the baseline below (built-in Breakout: drawChangesOnly=false). */
  baseline_env_options?: Record<string, boolean>;
  /** The same figures for the reference path (every observed frame drawn whole and gray-resized whole), measured in the same run. */
  baseline_raw_steps_per_s?: number;
  baseline_preprocessed_steps_per_s?: number;
  baseline_train_share_env?: number;
}

/** Built-in Breakout drawn whole and gray-resized whole: the path the fast one is measured against. */
const BREAKOUT_BASELINE = { drawChangesOnly: false };

/** Steps `env` with uniformly random actions for about `seconds`; returns steps per second. */
function stepsPerSecond(env: Env<unknown>, seconds: number, seed: number): number {
  return measure(env, seconds, seed, true).steps;
}

/**
 * Steps/s and seconds stepped, and how fast `count` (e.g. the frames an emulator ran) grew over
 * the same steps; with `warmUp`, after a short unmeasured run (the JIT compiles the first steps).
 */
function measure(env: Env<unknown>, seconds: number, seed: number, warmUp = false, count: () => number = () => 0): { steps: number; seconds: number; countPerSecond: number } {
  const rng = new Rng(seed);
  env.reset({ seed });
  const run = (ms: number): { steps: number; seconds: number; countPerSecond: number } => {
    let steps = 0;
    const counted = count();
    const start = performance.now(), end = start + ms;
    while (performance.now() < end) {
      for (let i = 0; i < 100; i++) {
        const r = env.step(rng.int(0, env.actionSpace.n - 1));
        steps++;
        if (r.terminated || r.truncated) env.reset();
      }
    }
    const elapsed = (performance.now() - start) / 1000;
    return { steps: steps / elapsed, seconds: elapsed, countPerSecond: (count() - counted) / elapsed };
  };
  if (warmUp) run(Math.min(200, seconds * 100));
  return run(seconds * 1000);
}

/** Runs the real training loop (1 worker) for `seconds`; returns the share of its time spent in the environment. */
async function trainShareOfEnv(envId: string, envOptions: Record<string, boolean>, seconds: number): Promise<number> {
  const config = buildTrainConfig(envId, { workers: 1, seed: 0, maxSeconds: seconds, targetReturn: null, envOptions });
  const dir = mkdtempSync(join(tmpdir(), 'a3c-bench-env-'));
  try {
    const t = (await train(config, dir)).timings;
    return t.envMs / (t.envMs + t.forwardMs + t.updateMs || 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `rom`: measure the emulated game instead (`emulator`: the core of the raw and preprocessed
 * figures; `emulated_frames_per_s_by_emulator` has every core, one after the other).
 */
export async function benchEnv(envId: string, seconds = 2, rom?: { path: string; game?: string; emulator?: EmulatorKind }): Promise<EnvBenchResult> {
  const preset = getPreset(envId);
  if (rom) {
    if (preset.rom === 'none') throw new Error(`--rom: ${preset.id} is not an Atari game`);
    const loaded = loadRom(rom.path, rom.game); // an unknown ROM needs --game, as train asks
    const emulator = rom.emulator ?? DEFAULT_EMULATOR;
    const byEmulator = {} as Record<EmulatorKind, number>;
    let rawSteps = 0;
    for (const kind of EMULATORS) {
      const env = new AtariEnv(loaded.game, loaded.bytes, 0, { emulator: kind });
      const run = measure(env, seconds, 1, true, () => env.framesEmulated);
      byEmulator[kind] = run.countPerSecond;
      if (kind === emulator) rawSteps = run.steps;
    }
    const processed = preset.makeEnv(0, { envOptions: {}, rewardClip: preset.defaults.rewardClip, rom: rom.path, game: loaded.game.id, emulator }, 'train');
    return {
      env: preset.id, game: loaded.game.id, rom_md5: loaded.md5, emulator,
      raw_steps_per_s: rawSteps, preprocessed_steps_per_s: stepsPerSecond(processed, seconds, 1), emulated_frames_per_s: byEmulator[emulator],
      emulated_frames_per_s_by_emulator: byEmulator,
    };
  }
  if (preset.id === 'breakout') {
    const make = (envOptions: Record<string, boolean>) => ({
      raw: new Breakout(0, envOptions) as Env<unknown>,
      processed: preset.makeEnv(0, { envOptions, rewardClip: preset.defaults.rewardClip }, 'train'),
    });
    const fast = make({}), baseline = make(BREAKOUT_BASELINE);
    // Each figure right after its baseline's, so that both see the same machine.
    const baselineRaw = stepsPerSecond(baseline.raw, seconds, 1), raw = stepsPerSecond(fast.raw, seconds, 1);
    const baselineProcessed = stepsPerSecond(baseline.processed, seconds, 1), processed = stepsPerSecond(fast.processed, seconds, 1);
    const baselineShare = await trainShareOfEnv(preset.id, BREAKOUT_BASELINE, seconds), share = await trainShareOfEnv(preset.id, {}, seconds);
    return {
      env: preset.id, raw_steps_per_s: raw, preprocessed_steps_per_s: processed, train_share_env: share,
      baseline_env_options: BREAKOUT_BASELINE, baseline_raw_steps_per_s: baselineRaw,
      baseline_preprocessed_steps_per_s: baselineProcessed, baseline_train_share_env: baselineShare,
    };
  }
  const raw = preset.makeEnv(0, { envOptions: {}, rewardClip: null }, 'eval');
  const processed = preset.makeEnv(0, { envOptions: {}, rewardClip: preset.defaults.rewardClip }, 'train');
  return {
    env: preset.id,
    raw_steps_per_s: stepsPerSecond(raw, seconds, 1),
    preprocessed_steps_per_s: stepsPerSecond(processed, seconds, 1),
  };
}
