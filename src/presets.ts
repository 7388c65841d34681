import type { TrainConfig } from './config.js';
import { buildActorCritic, mlpNet, referenceAtariNet, smallAtariNet, type NetworkSpec } from './agents/networks.js';
import { CartPole } from './envs/cartpole.js';
import type { Env } from './envs/env.js';
import { Action, Breakout, type BreakoutOptions } from './envs/breakout/breakout.js';

import { ActionSubset, ClipReward, EpisodicLife, RandomStartSteps } from './wrappers/atari.js';
import { FrameStack } from './wrappers/frameStack.js';
import { GrayResize } from './wrappers/grayResize.js';
import type { Sequential } from './nn/sequential.js';
import { defaultAdam } from './nn/optimizers.js';
import { TimeLimit } from './wrappers/timeLimit.js';

/** Whether an environment is built for learning or for evaluation. */
export type EnvMode = 'train' | 'eval';

/** The parts of a run's configuration that shape its environment. */
export type EnvSettings = Pick<TrainConfig, 'envOptions' | 'rewardClip'>;

/**
 * Everything an environment id brings: how to build it, which networks fit it, and the
 * hyperparameters that train it well. The CLI's defaults come from here.
 */
export interface Preset {
  id: string;
  description: string;
  makeEnv(seed: number, settings: EnvSettings, mode: EnvMode): Env;
  networks: Record<string, (numActions: number) => NetworkSpec>;
  defaults: Omit<TrainConfig, 'workers' | 'seed' | 'kernels' | 'checkpointEverySeconds' | 'keepCheckpoints' | 'lifeLossTerminal'>;
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
    return new TimeLimit(new CartPole(seed), 500);
  },
  networks: { mlp: (numActions) => mlpNet(4, numActions, [64, 64]) },
  defaults: {
    env: 'cartpole', net: 'mlp', tMax: 20, gamma: 0.99, entropyCoef: 0.01, clipNorm: 40, rewardClip: null,
    optimizer: { kind: 'adam', ...defaultAdam, learningRate: 1e-3 },
    hogwild: false, maxSteps: null, maxSeconds: null, targetReturn: 475, envOptions: {},
  },
  stepMilliseconds: () => CartPole.tau * 1000,
};

/** Numeric environment options a user may set (e.g. from the API), checked by name. */
function breakoutOptions(envOptions: TrainConfig['envOptions']): Partial<BreakoutOptions> {
  const known = ['frameSkip', 'repeatActionProbability', 'maxEpisodeFrames', 'maxPoolLastTwoFrames', 'paddleSpeed', 'ballSpeed', 'noopStart'];
  for (const key of Object.keys(envOptions)) if (!known.includes(key)) throw new Error(`unknown breakout option '${key}': choose from ${known.join(', ')}`);
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
  let env: Env<Uint8Array> = new Breakout(seed, breakoutOptions(settings.envOptions));
  env = new EpisodicLife(env);
  if (settings.rewardClip !== null) env = new ClipReward(env, settings.rewardClip);
  const startAction = settings.envOptions.noopStart === true ? Action.NOOP : Action.FIRE;
  env = new RandomStartSteps(env, startAction, 30, seed);
  env = new GrayResize(env, 84);
  const stacked = new FrameStack(env, { depth: 4, refillOnLifeLoss: true });
  return new ActionSubset(stacked, [Action.FIRE, Action.RIGHT, Action.LEFT]);
}

const breakout: Preset = {
  id: 'breakout',
  description: 'built-in Atari-faithful Breakout, the reference (rlcode Keras A3C) preprocessing and net',
  makeEnv: makeBreakout,
  networks: { reference: referenceAtariNet, small: smallAtariNet },
  defaults: {
    env: 'breakout', net: 'reference', tMax: 20, gamma: 0.99, entropyCoef: 0.01, clipNorm: 40, rewardClip: 1,
    optimizer: { kind: 'adam', ...defaultAdam }, // the reference: TF1 Adam, lr 1e-4
    hogwild: false, maxSteps: null, maxSeconds: null, targetReturn: null, envOptions: {},
  },
  actionAfterLifeLoss: 0, // FIRE, the first of the agent's actions
  stepMilliseconds: (settings) => ((breakoutOptions(settings.envOptions).frameSkip ?? 4) * 1000) / 60, // 60 Hz frames
};

const presets = new Map<string, Preset>([[cartpole.id, cartpole], [breakout.id, breakout]]);
const aliases = new Map<string, string>([['CartPole-v1', 'cartpole'], ['BreakoutDeterministic-v4', 'breakout']]);

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

/** Builds the environment and a network that fits it, as a worker or the evaluator needs them. */
export function makeAgentSetup(config: TrainConfig, seed: number, mode: EnvMode, params?: Float32Array): { env: Env; net: Sequential; spec: NetworkSpec; preset: Preset } {
  const preset = getPreset(config.env);
  const env = preset.makeEnv(seed, config, mode);
  const spec = networkSpec(config, env.actionSpace.n);
  const net = buildActorCritic(spec, config.tMax + 1, params, config.kernels);
  return { env, net, spec, preset };
}
