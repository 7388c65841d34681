import { Breakout } from '../envs/breakout/breakout.js';
import type { Env } from '../envs/env.js';
import { Rng } from '../util/rng.js';
import { getPreset } from '../presets.js';
import { AtariEnv } from '../envs/atari/atariEnv.js';
import { loadRom } from '../envs/atari/rom.js';
import { DEFAULT_EMULATOR, EMULATORS, type EmulatorKind } from '../envs/atari/emulatorCore.js';

export interface EnvBenchResult {
  env: string;
  /** Steps/s of the bare game (for Breakout: frame skip 4, RGB frames, no preprocessing). */
  raw_steps_per_s: number;
  /** Steps/s of the full preset chain the learner sees (gray 84x84, stack, ...). */
  preprocessed_steps_per_s: number;
  /** With a ROM: the core the raw and preprocessed figures ran on. */
  emulator?: EmulatorKind;
  /** With a ROM: emulated Atari frames per second on that core (reset frames included). */
  emulated_frames_per_s?: number;
  /** With a ROM: emulated frames per second of each 2600 core, measured one after the other. */
  emulated_frames_per_s_by_emulator?: Record<EmulatorKind, number>;
  rom_md5?: string;
  game?: string;
}

/** Steps `env` with uniformly random actions for about `seconds`; returns steps per second. */
function stepsPerSecond(env: Env<unknown>, seconds: number, seed: number): number {
  return measure(env, seconds, seed).steps;
}

function measure(env: Env<unknown>, seconds: number, seed: number): { steps: number; seconds: number } {
  const rng = new Rng(seed);
  env.reset({ seed });
  let steps = 0;
  const start = performance.now(), end = start + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) {
      const r = env.step(rng.int(0, env.actionSpace.n - 1));
      steps++;
      if (r.terminated || r.truncated) env.reset();
    }
  }
  const elapsed = (performance.now() - start) / 1000;
  return { steps: steps / elapsed, seconds: elapsed };
}

/**
 * `rom`: measure the emulated game instead (`emulator`: the core of the raw and preprocessed
 * figures; `emulated_frames_per_s_by_emulator` has every core, one after the other).
 */
export function benchEnv(envId: string, seconds = 2, rom?: { path: string; game?: string; emulator?: EmulatorKind }): EnvBenchResult {
  const preset = getPreset(envId);
  if (rom) {
    if (preset.rom === 'none') throw new Error(`--rom: ${preset.id} is not an Atari game`);
    const loaded = loadRom(rom.path, rom.game); // an unknown ROM needs --game, as train asks
    const emulator = rom.emulator ?? DEFAULT_EMULATOR;
    const byEmulator = {} as Record<EmulatorKind, number>;
    let rawSteps = 0;
    for (const kind of EMULATORS) {
      const env = new AtariEnv(loaded.game, loaded.bytes, 0, { emulator: kind });
      const run = measure(env, seconds, 1);
      byEmulator[kind] = env.framesEmulated / run.seconds;
      if (kind === emulator) rawSteps = run.steps;
    }
    const processed = preset.makeEnv(0, { envOptions: {}, rewardClip: preset.defaults.rewardClip, rom: rom.path, game: loaded.game.id, emulator }, 'train');
    return {
      env: preset.id, game: loaded.game.id, rom_md5: loaded.md5, emulator,
      raw_steps_per_s: rawSteps, preprocessed_steps_per_s: stepsPerSecond(processed, seconds, 1), emulated_frames_per_s: byEmulator[emulator],
      emulated_frames_per_s_by_emulator: byEmulator,
    };
  }
  const raw: Env<unknown> = preset.id === 'breakout' ? new Breakout(0) : preset.makeEnv(0, { envOptions: {}, rewardClip: null }, 'eval');
  const processed = preset.makeEnv(0, { envOptions: {}, rewardClip: preset.defaults.rewardClip }, 'train');
  return {
    env: preset.id,
    raw_steps_per_s: stepsPerSecond(raw, seconds, 1),
    preprocessed_steps_per_s: stepsPerSecond(processed, seconds, 1),
  };
}
