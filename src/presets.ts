import type { TrainConfig } from './config.js';
import { lstmNet, mlpNet, referenceAtariNet, smallAtariNet, type NetworkSpec } from './agents/networks.js';
import { CartPole } from './envs/cartpole.js';
import { MaskedCartPole } from './envs/cartpoleMasked.js';
import type { Env } from './envs/env.js';
import { Action, Breakout, removedBreakoutOption, type BreakoutOptions } from './envs/breakout/breakout.js';

import { ActionSubset, ClipReward, EpisodicLife, RandomStartSteps } from './wrappers/atari.js';
import { FrameStack } from './wrappers/frameStack.js';
import { GrayResize } from './wrappers/grayResize.js';
import { defaultAdam } from './nn/optimizers.js';
import { TimeLimit } from './wrappers/timeLimit.js';
import type { AgentFactory, EnvMode } from './train/agentFactory.js';
import { AtariEnv, type AtariOptions } from './envs/atari/atariEnv.js';
import { AleAction, GAMES, type GameSettings } from './envs/atari/games.js';
import { loadRom } from './envs/atari/rom.js';
import { DEFAULT_EMULATOR } from './envs/atari/emulatorCore.js';
import { ATARI_ENV_OPTIONS, BREAKOUT_ENV_OPTIONS, type EnvOptionSpecs } from './settings/envOptions.js';

export type { EnvMode };

/** The parts of a run's configuration that shape its environment. */
export type EnvSettings = Pick<TrainConfig, 'envOptions' | 'rewardClip'> & Partial<Pick<TrainConfig, 'rom' | 'game' | 'emulator'>> & {
  /** Evaluation's no-op starts (`a3c eval --noop-max N`): 1..N NOOPs at reset in place of the preset's own random starts. */
  noopMax?: number;
};

/**
 * Everything an environment id brings: how to build it, which networks fit it, and the
 * hyperparameters that train it well. The CLI's defaults come from here.
 */
export interface Preset {
  id: string;
  description: string;
  makeEnv(seed: number, settings: EnvSettings, mode: EnvMode): Env;
  networks: Record<string, (numActions: number) => NetworkSpec>;
  defaults: Omit<TrainConfig, 'workers' | 'envsPerThread' | 'seed' | 'kernels' | 'checkpointEverySeconds' | 'keepCheckpoints' | 'lifeLossTerminal' | 'rom' | 'game' | 'emulator' | 'evalEverySeconds' | 'evalEpisodes' | 'gaeLambda' | 'lrSchedule' | 'recipe'>;
  /** The `--env-option` names this environment takes, with their types and ranges. */
  envOptions(settings: { rom?: string | null }): EnvOptionSpecs;
  /** Whether the environment needs a user's ROM (--rom), may use one, or takes none. */
  rom: 'required' | 'optional' | 'none';
  /** Action forced on the step after a lost life (the reference forces FIRE). */
  actionAfterLifeLoss?: number;
  /** Real-time duration of one agent step, for recordings played at the game's speed. */
  stepMilliseconds(settings: EnvSettings): number;
}

const cartpole: Preset = {
  id: 'cartpole',
  description: 'CartPole-v1 (Gymnasium dynamics, 500-step limit), MLP agent',
  makeEnv: (seed, settings) => {
    const keys = Object.keys(settings.envOptions);
    if (keys.length > 0) throw new Error(`cartpole takes no environment options (got ${keys.join(', ')})`);
    if (settings.rom) throw new Error('cartpole is not an Atari game: --rom does not apply');
    return new TimeLimit(new CartPole(seed), 500);
  },
  networks: {
    mlp: (numActions) => mlpNet(4, numActions, [64, 64]),
    lstm: (numActions) => lstmNet(mlpNet(4, numActions, [64]), 64),
  },
  defaults: {
    env: 'cartpole', net: 'mlp', tMax: 20, gamma: 0.99, entropyCoef: 0.01, clipNorm: 40, rewardClip: null,
    optimizer: { kind: 'adam', ...defaultAdam, learningRate: 1e-3 },
    hogwild: false, maxSteps: null, maxSeconds: null, targetReturn: 475, envOptions: {},
  },
  stepMilliseconds: () => CartPole.tau * 1000,
  envOptions: () => ({}),
  rom: 'none',
};

const cartpoleMasked: Preset = {
  ...cartpole,
  id: 'cartpole-masked',
  description: 'CartPole-v1 observing only cart position and pole angle (velocities hidden): needs memory, --net lstm',
  makeEnv: (seed, settings) => {
    const keys = Object.keys(settings.envOptions);
    if (keys.length > 0) throw new Error(`cartpole-masked takes no environment options (got ${keys.join(', ')})`);
    if (settings.rom) throw new Error('cartpole-masked is not an Atari game: --rom does not apply');
    return new TimeLimit(new MaskedCartPole(seed), 500);
  },
  networks: {
    mlp: (numActions) => mlpNet(2, numActions, [64, 64]),
    lstm: (numActions) => lstmNet(mlpNet(2, numActions, [64]), 64),
  },
  // Tuned for the LSTM at one worker (docs/lstm.md): gamma 0.9, not 0.99, keeps returns within
  // what the LSTM's bounded output reaches quickly (at 0.99 and lr 1e-3: eval 72 after 800k
  // steps); lr 2e-3 with entropy 0.001 learns in 700k steps what lr 1e-3 with 0.01 did in 1M.
  defaults: {
    ...cartpole.defaults, env: 'cartpole-masked', gamma: 0.9, entropyCoef: 0.001,
    optimizer: { kind: 'adam', ...defaultAdam, learningRate: 2e-3 },
  },
};

/** Numeric environment options a user may set (e.g. from the API), checked by name. */
function breakoutOptions(envOptions: TrainConfig['envOptions']): Partial<BreakoutOptions> {
  const known = ['frameSkip', 'repeatActionProbability', 'maxEpisodeFrames', 'maxPoolLastTwoFrames', 'drawChangesOnly', 'noopStart'];
  for (const key of Object.keys(envOptions)) {
    const removed = removedBreakoutOption(key);
    if (removed) throw new Error(`breakout option '${key}' was removed: ${removed}`);
    if (!known.includes(key)) throw new Error(`unknown breakout option '${key}': choose from ${known.join(', ')}`);
  }
  const { noopStart: _ignored, ...options } = envOptions;
  return options as Partial<BreakoutOptions>;
}

/**
 * The reference's Breakout recipe. The wrapper chain, innermost first:
 * game (frame skip 4, as BreakoutDeterministic-v4) -> episodic life -> reward clip [-1, 1]
 * -> 1-30 random FIRE steps at reset -> gray 84x84 -> stack of 4 (refilled after a lost life)
 * -> agent actions FIRE, RIGHT, LEFT.
 */
function makeBreakout(seed: number, settings: EnvSettings, _mode: EnvMode): Env {
  let env: Env<Uint8Array> = settings.rom ? romGame('breakout', seed, settings) : new Breakout(seed, breakoutOptions(settings.envOptions));
  env = new EpisodicLife(env);
  if (settings.rewardClip !== null) env = new ClipReward(env, settings.rewardClip);
  const startAction = settings.envOptions.noopStart === true || settings.noopMax !== undefined ? Action.NOOP : Action.FIRE;
  env = new RandomStartSteps(env, startAction, settings.noopMax ?? 30, seed);
  env = new GrayResize(env, 84);
  const stacked = new FrameStack(env, { depth: 4, refillOnLifeLoss: true });
  // The ALE's minimal Breakout actions are NOOP, FIRE, RIGHT, LEFT too, so the same indices apply.
  return new ActionSubset(stacked, [Action.FIRE, Action.RIGHT, Action.LEFT]);
}

/** Options of the ALE environment a user may set with --env-option. */
function atariOptions(envOptions: TrainConfig['envOptions'], game: string): Partial<AtariOptions> {
  const known = ['frameSkip', 'repeatActionProbability', 'maxEpisodeFrames', 'maxPoolLastTwoFrames', 'noopStart'];
  for (const key of Object.keys(envOptions)) if (!known.includes(key)) throw new Error(`unknown ${game} option '${key}': choose from ${known.join(', ')}`);
  const { noopStart: _ignored, ...options } = envOptions;
  return options as Partial<AtariOptions>;
}

/** The emulated game from the user's ROM, which must be the game `expected` (or any, if null). */
function romGame(expected: string | null, seed: number, settings: EnvSettings): AtariEnv {
  const rom = loadRom(settings.rom!, settings.game);
  if (expected !== null && rom.game.id !== expected) {
    throw new Error(`--rom ${rom.path} is ${rom.game.title}, not ${expected}: train it with 'a3c train ${rom.game.id} --rom ${rom.path}'`);
  }
  return new AtariEnv(rom.game, rom.bytes, seed, { ...atariOptions(settings.envOptions, rom.game.id), emulator: settings.emulator ?? DEFAULT_EMULATOR });
}

/**
 * An ALE game from a ROM with DQN/A3C-style preprocessing: episodic life where the game has
 * lives, reward clip, 1-30 NOOP starts, gray 84x84, a stack of 4; the game's minimal actions.
 */
function atariPreset(game: GameSettings): Preset {
  return {
    id: game.id,
    description: `${game.title} from your ROM (--rom FILE) on a 2600 emulator (--emulator) with the ALE's settings`,
    makeEnv: (seed, settings) => {
      if (!settings.rom) throw new Error(`${game.id} needs a ROM: pass --rom FILE (Atari 2600 image; MD5 ${game.md5})`);
      let env: Env<Uint8Array> = romGame(game.id, seed, settings);
      env = new EpisodicLife(env);
      if (settings.rewardClip !== null) env = new ClipReward(env, settings.rewardClip);
      env = new RandomStartSteps(env, AleAction.NOOP, settings.noopMax ?? 30, seed);
      env = new GrayResize(env, 84);
      return new FrameStack(env, { depth: 4, refillOnLifeLoss: true });
    },
    networks: atariNetworks,
    defaults: { ...breakout.defaults, env: game.id },
    stepMilliseconds: (settings) => ((Number(settings.envOptions.frameSkip) || 4) * 1000) / 60,
    envOptions: () => ATARI_ENV_OPTIONS,
    rom: 'required',
  };
}

/** The book's net, the A3C paper's small one, and the paper's A3C LSTM (the small net's trunk, 256 cells). */
const atariNetworks: Preset['networks'] = {
  reference: referenceAtariNet,
  small: smallAtariNet,
  lstm: (numActions) => lstmNet(smallAtariNet(numActions), 256),
};

const breakout: Preset = {
  id: 'breakout',
  description: 'built-in Atari-faithful Breakout, the reference (rlcode Keras A3C) preprocessing and net',
  makeEnv: makeBreakout,
  networks: atariNetworks,
  defaults: {
    env: 'breakout', net: 'reference', tMax: 20, gamma: 0.99, entropyCoef: 0.01, clipNorm: 40, rewardClip: 1,
    optimizer: { kind: 'adam', ...defaultAdam }, // the reference: TF1 Adam, lr 1e-4
    hogwild: false, maxSteps: null, maxSeconds: null, targetReturn: null, envOptions: {},
  },
  actionAfterLifeLoss: 0, // FIRE, the first of the agent's actions
  envOptions: (settings) => (settings.rom ? ATARI_ENV_OPTIONS : BREAKOUT_ENV_OPTIONS),
  stepMilliseconds: (settings) => ((breakoutOptions(settings.envOptions).frameSkip ?? 4) * 1000) / 60, // 60 Hz frames
  rom: 'optional',
};

/**
 * Gymnasium's Breakout ids: the game alone, raw 210x160x3 RGB frames and the minimal action set,
 * with the id's frame skip and sticky actions (the built-in game, or the ALE's from --rom).
 */
function gymnasiumBreakout(id: string, options: Partial<BreakoutOptions>): Preset {
  const envOptions = (settings: EnvSettings) => ({ ...options, ...settings.envOptions });
  const noNetwork = (): NetworkSpec => {
    throw new Error(`${id} returns raw 210x160 RGB frames, as Gymnasium does, which no network here takes: train 'breakout' (the same game with the book's preprocessing)`);
  };
  return {
    id,
    description: `Gymnasium's ${id}: the built-in Breakout's raw RGB frames (frame skip ${options.frameSkip}${options.repeatActionProbability ? `, sticky actions ${options.repeatActionProbability}` : ''})`,
    makeEnv: (seed, settings) => (settings.rom
      ? romGame('breakout', seed, { ...settings, envOptions: envOptions(settings) })
      : new Breakout(seed, breakoutOptions(envOptions(settings)))) as Env<unknown> as Env,
    networks: { reference: noNetwork, small: noNetwork, lstm: noNetwork },
    defaults: { ...breakout.defaults, env: id, rewardClip: null },
    stepMilliseconds: (settings) => ((breakoutOptions(envOptions(settings)).frameSkip ?? 4) * 1000) / 60,
    envOptions: (settings) => (settings.rom ? ATARI_ENV_OPTIONS : BREAKOUT_ENV_OPTIONS),
    rom: 'optional',
  };
}

const gymnasiumIds = [
  gymnasiumBreakout('BreakoutNoFrameskip-v4', { frameSkip: 1, repeatActionProbability: 0 }),
  gymnasiumBreakout('BreakoutDeterministic-v4', { frameSkip: 4, repeatActionProbability: 0 }),
  gymnasiumBreakout('ALE/Breakout-v5', { frameSkip: 4, repeatActionProbability: 0.25 }),
];

const presets = new Map<string, Preset>([[cartpole.id, cartpole], [cartpoleMasked.id, cartpoleMasked], [breakout.id, breakout],
  ...GAMES.filter((g) => g.id !== 'breakout').map((g) => [g.id, atariPreset(g)] as [string, Preset]),
  ...gymnasiumIds.map((p) => [p.id, p] as [string, Preset])]);
const aliases = new Map<string, string>([['CartPole-v1', 'cartpole']]);

export function presetIds(): string[] {
  return [...presets.keys()];
}

/** The preset for an environment id or alias; a one-line error lists the known ids. */
export function getPreset(id: string): Preset {
  const preset = presets.get(aliases.get(id) ?? id);
  if (!preset) throw new Error(`unknown environment '${id}': choose one of ${presetIds().join(', ')}`);
  return preset;
}

export function networkSpec(config: Pick<TrainConfig, 'env' | 'net'>, numActions: number): NetworkSpec {
  const preset = getPreset(config.env);
  const make = preset.networks[config.net];
  if (!make) throw new Error(`unknown network '${config.net}' for ${preset.id}: choose one of ${Object.keys(preset.networks).join(', ')}`);
  return make(numActions);
}

/** The presets as the engine takes them; worker threads import this module for `agentFactory`. */
export const agentFactory: AgentFactory = {
  moduleUrl: import.meta.url,
  makeEnv: (config, seed, mode) => getPreset(config.env).makeEnv(seed, config, mode),
  networkSpec,
  actionAfterLifeLoss: (config) => getPreset(config.env).actionAfterLifeLoss,
  envOptionNames: (config) => Object.keys(getPreset(config.env).envOptions({ rom: config.rom })),
};
