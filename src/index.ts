/**
 * a3c: Asynchronous Advantage Actor-Critic for Node.js. The public API for programmatic use:
 * environments by id, the trainer, evaluation, and the building blocks beneath them.
 */
import type { Env } from './envs/env.js';
import { getPreset, type EnvMode } from './presets.js';
import { checkEnvOptions } from './settings/envOptions.js';

export type { Env, EnvInfo, StepResult, ResetResult, BoxSpace, DiscreteSpace } from './envs/env.js';
export { CartPole } from './envs/cartpole.js';
export { TimeLimit } from './wrappers/timeLimit.js';
export { getPreset, presetIds, type Preset, type EnvMode } from './presets.js';
export { trainConfigSchema, type TrainConfig } from './config.js';
export { buildTrainConfig, resumedConfig, checkSettings, defaultHelp, trainFlagsSchema, type Settings } from './runConfig.js';
export { SETTINGS, type Setting, type SettingKey, type SettingValues } from './settings/table.js';
export { UsageError } from './settings/errors.js';
export { train } from './presetEngine.js';
export { buildAgent, type AgentFactory, type AgentSetup } from './train/agentFactory.js';
export { trainAgents, type TrainSummary, type Progress, type TrainHooks, WEIGHTS_FILE, CONFIG_FILE, METRICS_FILE } from './train/coordinator.js';
export { evaluateRun, evaluateRunWithWeights, evaluateRandom } from './presetEngine.js';
export { chooseWeights, loadRunConfig, describeProtocol, type EvalOptions, type EvalProtocol, type EvalResult, type ProtocolEcho, type WeightsChoice, type WeightsInfo } from './train/evaluate.js';
export { recipeSettings, RECIPE_NAMES, PAPER_MAX_STEPS, type RecipeName } from './settings/recipes.js';
export { a3cLoss, type LossStats } from './train/a3cLoss.js';
export { gaeAdvantages, nStepAdvantages, nStepReturns, rolloutTargets, type RolloutTargets } from './train/returns.js';
export type { EpisodeRecord } from './train/actorLearner.js';
export { buildActorCritic, referenceAtariNet, smallAtariNet, mlpNet, type NetworkSpec } from './agents/networks.js';
export { Sequential } from './nn/sequential.js';
export { adamStep, rmsPropStep, clipByGlobalNorm, globalNorm, scheduledLearningRate, type LearningRateSchedule } from './nn/optimizers.js';
export { Rng } from './util/rng.js';
export { saveSafetensors, loadSafetensors } from './io/safetensors.js';
export { listCheckpoints, readCheckpoint, readLatestCheckpoint, type Checkpoint, type CheckpointState } from './train/checkpoint.js';
export type { WorkerFault } from './train/coordinator.js';
export type { FaultPlan } from './train/chaos.js';
export { type MetricsSink } from './metrics/sinks.js';
export { KEYS, parseRecordLine, forEachMetricsRecord, type MetricsRecord, type RecordKind } from './metrics/records.js';
export { BEST_WEIGHTS_FILE } from './train/runDirectory.js';
export { Evaluator, evalSchedule, type EvalReport, type EvalSchedule, type BestWeights } from './train/evaluator.js';
export { TfEventsWriter } from './metrics/tfevents.js';
export { startDashboard, type Dashboard, type DashboardOptions } from './dashboard/server.js';
export { recordRun, type RecordOptions, type RecordResult } from './play/record.js';
export { AtariEnv, type AtariOptions } from './envs/atari/atariEnv.js';
export { GAMES, type GameSettings } from './envs/atari/games.js';
export { loadRom, type Rom } from './envs/atari/rom.js';

/** Builds the environment registered under `id` (e.g. 'cartpole', 'breakout', 'pong' with a ROM), seeded. */
export function makeEnv(id: string, seed = 0, mode: EnvMode = 'eval', options: Record<string, number | boolean | string> = {}, rom?: { path: string; game?: string }): Env {
  const preset = getPreset(id);
  const envOptions = checkEnvOptions(preset.id, preset.envOptions({ rom: rom?.path ?? null }), options);
  return preset.makeEnv(seed, { envOptions, rewardClip: preset.defaults.rewardClip, rom: rom?.path ?? null, game: rom?.game ?? null }, mode);
}
