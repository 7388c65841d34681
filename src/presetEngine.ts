/**
 * The engine bound to the presets: what the CLI, the apps and the public API call. The engine
 * itself (train/) is handed the presets' agent factory here rather than importing the presets.
 */
import { agentFactory, getPreset } from './presets.js';
import { trainAgents, type TrainHooks, type TrainSummary } from './train/coordinator.js';
import {
  evaluateRunWithWeights as evaluateRunWithAgents, loadPolicy as loadPolicyWithAgents, playEpisodes, summarize,
  type EvalOptions, type EvalProtocol, type EvalResult, type LoadedPolicy, type ProtocolEcho, type WeightsChoice, type WeightsInfo,
} from './train/evaluate.js';
import type { TrainConfig } from './config.js';
import type { EmulatorKind } from './envs/atari/emulatorCore.js';
import { Rng } from './util/rng.js';

/** Trains `config` (an environment id of the presets) into `runDir`. */
export function train(config: TrainConfig, runDir: string, hooks: TrainHooks = {}): Promise<TrainSummary> {
  return trainAgents(agentFactory, config, runDir, hooks);
}

type RunEvalOptions = EvalOptions & { rom?: string; weights?: WeightsChoice; protocol?: EvalProtocol; emulator?: EmulatorKind };

/** A run's saved policy in a fresh environment of its preset (see train/evaluate.ts). */
export function loadPolicy(runDir: string, options: Pick<EvalOptions, 'seed' | 'greedy'> & { rom?: string; weights?: WeightsChoice; protocol?: EvalProtocol; emulator?: EmulatorKind }): LoadedPolicy {
  return loadPolicyWithAgents(agentFactory, runDir, options);
}

/** Plays a run's saved policy for `episodes` full episodes, also saying which weights were played and under which protocol. */
export function evaluateRunWithWeights(runDir: string, options: RunEvalOptions): { result: EvalResult; weights: WeightsInfo; protocol: ProtocolEcho } {
  return evaluateRunWithAgents(agentFactory, runDir, options);
}

export function evaluateRun(runDir: string, options: RunEvalOptions): EvalResult {
  return evaluateRunWithWeights(runDir, options).result;
}

/** The score of a uniformly random policy in an environment (the baseline learning curves start from). */
export function evaluateRandom(envId: string, episodes: number, seed: number): EvalResult {
  const preset = getPreset(envId);
  const env = preset.makeEnv(seed, { envOptions: {}, rewardClip: preset.defaults.rewardClip }, 'eval');
  const rng = new Rng(seed ^ 0x2545f491);
  return summarize(playEpisodes(env, preset.actionAfterLifeLoss, { episodes, seed }, () => rng.int(0, env.actionSpace.n - 1)));
}
