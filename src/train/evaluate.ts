import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TrainConfig } from '../config.js';
import { assignTensors, loadSafetensors } from '../io/safetensors.js';
import { Rng } from '../util/rng.js';
import { softmax } from '../nn/activations.js';
import { buildActorCritic } from '../agents/networks.js';
import type { AgentFactory } from './agentFactory.js';
import { BEST_WEIGHTS_FILE, loadRunConfig, WEIGHTS_FILE } from './runDirectory.js';
import type { Env } from '../envs/env.js';
import type { EmulatorKind } from '../envs/atari/emulatorCore.js';
import type { Sequential } from '../nn/sequential.js';
import { UsageError } from '../settings/errors.js';
import { RandomStartSteps } from '../wrappers/atari.js';

export interface EvalOptions {
  episodes: number;
  seed: number;
  /** Take the most probable action instead of sampling from the policy. */
  greedy: boolean;
}

/**
 * The conditions of an evaluation beyond the training environment's (`a3c eval`'s protocol
 * flags); each left out keeps what the run trained with.
 */
export interface EvalProtocol {
  /** 1..noopMax random NOOPs at reset in place of the preset's own random starts (breakout: 1-30 FIRE). */
  noopMax?: number;
  /** Cut an episode after this many emulator frames (the ALE's standard: 108000, 30 minutes at 60 Hz). */
  maxEpisodeFrames?: number;
  /** Repeat the previous action with this probability on each frame (Machado et al. 2018: 0.25). */
  stickyActions?: number;
}

/** The protocol an evaluation actually ran under, read from the environment built for it. */
export interface ProtocolEcho {
  policy: 'greedy' | 'sample';
  /** The random start steps at reset (the action by its ALE name), or null where the environment takes none. */
  random_starts: { action: string; max: number } | null;
  /** null: the environment has no frame limit of its own (CartPole: its 500-step limit). */
  max_episode_frames: number | null;
  /** null: the environment has no sticky actions. */
  sticky_actions: number | null;
}

export interface EvalResult {
  episodes: number;
  mean_return: number;
  std_return: number;
  min_return: number;
  max_return: number;
}

export { loadRunConfig };

/** Which saved weights `eval` and `play` use: the evaluator's best, or the latest (model.safetensors). */
export type WeightsChoice = 'best' | 'latest';

/** The weights a command plays, as it tells the user. */
export interface WeightsInfo {
  choice: WeightsChoice;
  path: string;
  /** Global step the weights were taken at (null: not recorded in the file). */
  step: number | null;
  /** The evaluator's score of them (best only). */
  evaluation: { mean_return: number; episodes: number; confirmed_mean_return?: number; confirmed_episodes?: number } | null;
}

/**
 * The weights file to play: `choice` when given (an error when it is missing), otherwise
 * best.safetensors when the run has one, else model.safetensors.
 */
export function chooseWeights(runDir: string, choice?: WeightsChoice): WeightsInfo {
  const best = join(runDir, BEST_WEIGHTS_FILE);
  const latest = join(runDir, WEIGHTS_FILE);
  const picked: WeightsChoice = choice ?? (existsSync(best) ? 'best' : 'latest');
  const path = picked === 'best' ? best : latest;
  if (!existsSync(path)) {
    throw new Error(picked === 'best'
      ? `${path} is missing: the run has no evaluated weights yet (use --weights latest for ${WEIGHTS_FILE})`
      : `${path} is missing: has the run saved its weights yet?`);
  }
  return { choice: picked, path, step: null, evaluation: null };
}

/** One line saying which weights are played. */
export function describeWeights(info: WeightsInfo): string {
  const step = info.step !== null ? `, step ${info.step}` : '';
  const e = info.evaluation;
  const score = e ? `; the evaluator scored them ${e.mean_return.toFixed(2)} over ${e.episodes} episodes${e.confirmed_mean_return !== undefined ? `, confirmed ${e.confirmed_mean_return.toFixed(2)} over ${e.confirmed_episodes}` : ''}` : '';
  return `weights: ${info.path} (${info.choice}${step}${score})`;
}

/** The step and evaluation a weights file's metadata records, if any. */
export function weightsProvenance(metadata: Record<string, string>): Pick<WeightsInfo, 'step' | 'evaluation'> {
  let step: number | null = null;
  let evaluation: WeightsInfo['evaluation'] = null;
  try {
    const counters = JSON.parse(metadata.counters ?? 'null') as { globalSteps?: unknown } | null;
    if (counters && typeof counters.globalSteps === 'number') step = counters.globalSteps;
  } catch { /* an older or foreign file: no step */ }
  try {
    const parsed = JSON.parse(metadata.evaluation ?? 'null') as WeightsInfo['evaluation'];
    if (parsed && typeof parsed.mean_return === 'number' && typeof parsed.episodes === 'number') evaluation = parsed;
  } catch { /* no evaluation recorded */ }
  return { step, evaluation };
}

/** Where a policy's observation comes in an episode: a recurrent policy starts its state afresh at an episode's start. */
export type PolicyMoment = 'episodeStart' | 'afterLifeLoss' | 'running';

/** Picks an action for an observation. */
export type Policy = (observation: Float32Array, moment: PolicyMoment) => number;

/** A run's saved policy, ready to act in a fresh environment of its preset. */
export interface LoadedPolicy {
  config: TrainConfig;
  env: Env;
  actionAfterLifeLoss: number | undefined;
  policy: Policy;
  weights: WeightsInfo;
}

/**
 * Loads a run's config and weights (best or latest, see chooseWeights) and builds its
 * environment (seeded `seed`) and policy.
 */
export function loadPolicy(agents: AgentFactory, runDir: string, options: Pick<EvalOptions, 'seed' | 'greedy'> & { rom?: string; weights?: WeightsChoice; protocol?: EvalProtocol; emulator?: EmulatorKind }): LoadedPolicy {
  const config = loadRunConfig(runDir);
  if (options.rom) config.rom = resolve(options.rom); // the ROM moved since training
  if (options.emulator) config.emulator = options.emulator; // the same game on the other 2600 core
  const weights = chooseWeights(runDir, options.weights);
  const loaded = loadSafetensors(weights.path);
  Object.assign(weights, weightsProvenance(loaded.metadata));
  const { env, actionAfterLifeLoss, policy } = policyFromWeights(agents, config, options, (net) => assignTensors(weights.path, loaded, net.tensors(), net.params));
  return { config, env, actionAfterLifeLoss, policy, weights };
}

/**
 * A policy of a run's network in a fresh environment of its preset (seeded `seed`), with its
 * parameters filled in by `fill`: from a file (eval, play) or a snapshot (the evaluator, which
 * passes the network it built the first time as `reuse`, instead of a new WebAssembly memory per
 * evaluation).
 */
export function policyFromWeights(
  agents: AgentFactory, config: TrainConfig, options: Pick<EvalOptions, 'seed' | 'greedy'> & { protocol?: EvalProtocol }, fill: (net: Sequential) => void, reuse?: Sequential,
): Omit<LoadedPolicy, 'config' | 'weights'> & { net: Sequential } {
  const env = agents.makeEnv(options.protocol ? protocolSettings(agents, config, options.protocol) : config, options.seed, 'eval');
  const net = reuse ?? buildActorCritic(agents.networkSpec(config, env.actionSpace.n), 1, undefined, config.kernels);
  fill(net);

  const numActions = env.actionSpace.n;
  const probs = new Float64Array(numActions);
  const rng = new Rng(options.seed ^ 0x2545f491);
  const policy: Policy = (observation, moment) => {
    // As in training: a fresh recurrent state per episode, and per life where lives are terminal.
    if (moment === 'episodeStart' || (moment === 'afterLifeLoss' && config.lifeLossTerminal)) net.resetState();
    net.input.set(observation, 0);
    net.forward(0, 1);
    softmax(net.output, 0, numActions, probs, 0);
    if (!options.greedy) return rng.categorical(probs, 0, numActions);
    let best = 0;
    for (let j = 1; j < numActions; j++) if (probs[j] > probs[best]) best = j;
    return best;
  };
  return { env, actionAfterLifeLoss: agents.actionAfterLifeLoss(config), policy, net };
}

/**
 * The environment settings of a run under `protocol`; a protocol flag the environment has no
 * use for (CartPole has no frames, no-ops or sticky actions) is refused, not ignored.
 */
export function protocolSettings(agents: AgentFactory, config: TrainConfig, protocol: EvalProtocol): TrainConfig & { noopMax?: number } {
  const takes = new Set(agents.envOptionNames(config));
  const refuse = (flag: string, what: string) => new UsageError(`${flag}: ${config.env} has no ${what}: it applies to the Atari games (breakout and the --rom games)`);
  if (protocol.noopMax !== undefined && !takes.has('noopStart')) throw refuse('--noop-max', 'random starts to replace');
  if (protocol.maxEpisodeFrames !== undefined && !takes.has('maxEpisodeFrames')) throw refuse('--max-episode-frames', 'emulator frames');
  if (protocol.stickyActions !== undefined && !takes.has('repeatActionProbability')) throw refuse('--sticky-actions', 'sticky actions');
  const envOptions = { ...config.envOptions };
  if (protocol.maxEpisodeFrames !== undefined) envOptions.maxEpisodeFrames = protocol.maxEpisodeFrames;
  if (protocol.stickyActions !== undefined) envOptions.repeatActionProbability = protocol.stickyActions;
  return { ...config, envOptions, ...(protocol.noopMax !== undefined ? { noopMax: protocol.noopMax } : {}) };
}

/** ALE action names of the start actions presets use (indices of the ALE's full action set). */
const START_ACTION_NAMES = ['NOOP', 'FIRE'];

/** What `env` (a wrapper chain) really does at reset and per frame, found by walking its layers. */
export function describeProtocol(env: Env, greedy: boolean): ProtocolEcho {
  const echo: ProtocolEcho = { policy: greedy ? 'greedy' : 'sample', random_starts: null, max_episode_frames: null, sticky_actions: null };
  for (let layer: unknown = env; layer && typeof layer === 'object'; layer = (layer as { env?: unknown }).env) {
    if (layer instanceof RandomStartSteps && echo.random_starts === null) {
      echo.random_starts = { action: START_ACTION_NAMES[layer.action] ?? String(layer.action), max: layer.maxSteps };
    }
    const options = (layer as { options?: { maxEpisodeFrames?: unknown; repeatActionProbability?: unknown } }).options;
    if (options && typeof options.maxEpisodeFrames === 'number') echo.max_episode_frames = options.maxEpisodeFrames;
    if (options && typeof options.repeatActionProbability === 'number') echo.sticky_actions = options.repeatActionProbability;
  }
  return echo;
}

/** Plays the saved policy of a run for `episodes` full episodes and summarizes the returns. */
export function evaluateRun(agents: AgentFactory, runDir: string, options: EvalOptions & { rom?: string; weights?: WeightsChoice; protocol?: EvalProtocol; emulator?: EmulatorKind }): EvalResult {
  return evaluateRunWithWeights(agents, runDir, options).result;
}

/** The same, also saying which weights were played and under which protocol. */
export function evaluateRunWithWeights(
  agents: AgentFactory, runDir: string, options: EvalOptions & { rom?: string; weights?: WeightsChoice; protocol?: EvalProtocol; emulator?: EmulatorKind },
): { result: EvalResult; weights: WeightsInfo; protocol: ProtocolEcho } {
  const { env, actionAfterLifeLoss, policy, weights } = loadPolicy(agents, runDir, options);
  const protocol = describeProtocol(env, options.greedy);
  return { result: summarize(playEpisodes(env, actionAfterLifeLoss, options, policy)), weights, protocol };
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
  policy: Policy, onStep?: (at: PlayStep) => void,
): number[] {
  const returns: number[] = [];
  for (let episode = 0; episode < options.episodes; episode++) {
    let { observation } = env.reset(episode === 0 ? { seed: options.seed } : {});
    let total = 0;
    let forced = -1;
    let steps = 0;
    let moment: PolicyMoment = 'episodeStart';
    onStep?.({ episode: episode + 1, step: 0, score: 0 });
    for (;;) {
      let action = policy(observation, moment);
      moment = 'running';
      if (forced >= 0) { action = forced; forced = -1; }
      const step = env.step(action);
      total += step.info.rawReward ?? step.reward;
      observation = step.observation;
      onStep?.({ episode: episode + 1, step: ++steps, score: total });
      if (step.terminated || step.truncated) break;
      if (step.info.lifeLost) moment = 'afterLifeLoss';
      if (step.info.lifeLost && actionAfterLifeLoss !== undefined) forced = actionAfterLifeLoss;
    }
    returns.push(total);
  }
  env.close();
  return returns;
}

/** Mean, standard deviation (population), min and max of episode returns. */
export function summarize(returns: number[]): EvalResult {
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
