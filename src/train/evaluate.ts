import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { trainConfigSchema, describeIssue, type TrainConfig } from '../config.js';
import { assignTensors, loadSafetensors } from '../io/safetensors.js';
import { Rng } from '../util/rng.js';
import { softmax } from '../nn/activations.js';
import { buildActorCritic } from '../agents/networks.js';
import { getPreset, networkSpec } from '../presets.js';
import { CONFIG_FILE, WEIGHTS_FILE } from './coordinator.js';
import type { Env } from '../envs/env.js';

export interface EvalOptions {
  episodes: number;
  seed: number;
  /** Take the most probable action instead of sampling from the policy. */
  greedy: boolean;
}

export interface EvalResult {
  episodes: number;
  mean_return: number;
  std_return: number;
  min_return: number;
  max_return: number;
}

/** Reads and validates a run directory's config.json. */
export function loadRunConfig(runDir: string): TrainConfig {
  const path = join(runDir, CONFIG_FILE);
  if (!existsSync(runDir)) throw new Error(`run directory ${runDir} does not exist`);
  if (!existsSync(path)) throw new Error(`${path} is missing: is ${runDir} a run directory written by 'a3c train'?`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new Error(`${path} is not valid JSON (truncated or corrupt)`);
  }
  const parsed = trainConfigSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${path}: ${describeIssue(parsed.error, raw)}`);
  return parsed.data;
}

/** A run's saved policy, ready to act in a fresh environment of its preset. */
export interface LoadedPolicy {
  config: TrainConfig;
  env: Env;
  actionAfterLifeLoss: number | undefined;
  policy: (observation: Float32Array) => number;
}

/** Loads a run's config and weights and builds its environment (seeded `seed`) and policy. */
export function loadPolicy(runDir: string, options: Pick<EvalOptions, 'seed' | 'greedy'> & { rom?: string }): LoadedPolicy {
  const config = loadRunConfig(runDir);
  if (options.rom) config.rom = resolve(options.rom); // the ROM moved since training
  const preset = getPreset(config.env);
  const env = preset.makeEnv(options.seed, config, 'eval');
  const spec = networkSpec(config, env.actionSpace.n);
  const net = buildActorCritic(spec, 1, undefined, config.kernels);
  const weightsPath = join(runDir, WEIGHTS_FILE);
  assignTensors(weightsPath, loadSafetensors(weightsPath), net.tensors(), net.params);

  const numActions = env.actionSpace.n;
  const probs = new Float64Array(numActions);
  const rng = new Rng(options.seed ^ 0x2545f491);
  const policy = (observation: Float32Array): number => {
    net.input.set(observation, 0);
    net.forward(0, 1);
    softmax(net.output, 0, numActions, probs, 0);
    if (!options.greedy) return rng.categorical(probs, 0, numActions);
    let best = 0;
    for (let j = 1; j < numActions; j++) if (probs[j] > probs[best]) best = j;
    return best;
  };
  return { config, env, actionAfterLifeLoss: preset.actionAfterLifeLoss, policy };
}

/** Plays the saved policy of a run for `episodes` full episodes and summarizes the returns. */
export function evaluateRun(runDir: string, options: EvalOptions & { rom?: string }): EvalResult {
  const { env, actionAfterLifeLoss, policy } = loadPolicy(runDir, options);
  return summarize(playEpisodes(env, actionAfterLifeLoss, options, policy));
}

/** The score of a uniformly random policy in an environment (the baseline learning curves start from). */
export function evaluateRandom(envId: string, episodes: number, seed: number): EvalResult {
  const preset = getPreset(envId);
  const env = preset.makeEnv(seed, { envOptions: {}, rewardClip: preset.defaults.rewardClip }, 'eval');
  const rng = new Rng(seed ^ 0x2545f491);
  return summarize(playEpisodes(env, preset.actionAfterLifeLoss, { episodes, seed }, () => rng.int(0, env.actionSpace.n - 1)));
}

/** Where an episode stands after a step (or at its start, step 0), for recorders. */
export interface PlayStep {
  episode: number;
  step: number;
  score: number;
}

/**
 * Plays full episodes with `policy`, forcing the preset's action after a lost life, as in
 * training; `onStep` sees every state (recorders render it). Returns the episodes' returns.
 */
export function playEpisodes(
  env: Env, actionAfterLifeLoss: number | undefined, options: { episodes: number; seed: number },
  policy: (observation: Float32Array) => number, onStep?: (at: PlayStep) => void,
): number[] {
  const returns: number[] = [];
  for (let episode = 0; episode < options.episodes; episode++) {
    let { observation } = env.reset(episode === 0 ? { seed: options.seed } : {});
    let total = 0;
    let forced = -1;
    let steps = 0;
    onStep?.({ episode: episode + 1, step: 0, score: 0 });
    for (;;) {
      let action = policy(observation);
      if (forced >= 0) { action = forced; forced = -1; }
      const step = env.step(action);
      total += step.info.rawReward ?? step.reward;
      observation = step.observation;
      onStep?.({ episode: episode + 1, step: ++steps, score: total });
      if (step.terminated || step.truncated) break;
      if (step.info.lifeLost && actionAfterLifeLoss !== undefined) forced = actionAfterLifeLoss;
    }
    returns.push(total);
  }
  env.close();
  return returns;
}

function summarize(returns: number[]): EvalResult {
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const variance = returns.reduce((a, b) => a + (b - mean) ** 2, 0) / returns.length;
  return {
    episodes: returns.length,
    mean_return: mean,
    std_return: Math.sqrt(variance),
    min_return: Math.min(...returns),
    max_return: Math.max(...returns),
  };
}
