import type { TrainConfig } from './config.js';
import { buildActorCritic, mlpNet, type NetworkSpec } from './agents/networks.js';
import { CartPole } from './envs/cartpole.js';
import type { Env } from './envs/env.js';
import type { Sequential } from './nn/sequential.js';
import { TimeLimit } from './wrappers/timeLimit.js';

/** Whether an environment is built for learning (episodic life etc.) or for evaluation. */
export type EnvMode = 'train' | 'eval';

/**
 * Everything an environment id brings: how to build it, which networks fit it, and the
 * hyperparameters that train it well. The CLI's defaults come from here.
 */
export interface Preset {
  id: string;
  description: string;
  makeEnv(seed: number, envOptions: TrainConfig['envOptions'], mode: EnvMode): Env;
  networks: Record<string, (numActions: number) => NetworkSpec>;
  defaults: Omit<TrainConfig, 'workers' | 'seed' | 'maxSteps' | 'maxSeconds'> & { maxSteps: number | null; maxSeconds: number | null };
  /** Action forced on the step after a lost life (the reference forces FIRE). */
  actionAfterLifeLoss?: number;
}

const cartpole: Preset = {
  id: 'cartpole',
  description: 'CartPole-v1 (Gymnasium dynamics, 500-step limit), MLP agent',
  makeEnv: (seed) => new TimeLimit(new CartPole(seed), 500),
  networks: { mlp: (numActions) => mlpNet(4, numActions, [64, 64]) },
  defaults: {
    env: 'cartpole', net: 'mlp', tMax: 20, gamma: 0.99, entropyCoef: 0.01, clipNorm: 40, rewardClip: null,
    optimizer: { kind: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, epsilonStyle: 'tf' },
    hogwild: false, maxSteps: null, maxSeconds: null, targetReturn: 475, envOptions: {},
  },
};

const presets = new Map<string, Preset>([[cartpole.id, cartpole]]);
const aliases = new Map<string, string>([['CartPole-v1', 'cartpole']]);

/** Adds a preset (used by the Atari modules to register themselves). */
export function registerPreset(preset: Preset, ...otherNames: string[]): void {
  presets.set(preset.id, preset);
  for (const name of otherNames) aliases.set(name, preset.id);
}

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
  const env = preset.makeEnv(seed, config.envOptions, mode);
  const spec = networkSpec(config, env.actionSpace.n);
  const net = buildActorCritic(spec, config.tMax + 1, params);
  return { env, net, spec, preset };
}
