import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { describeIssue, type TrainConfig } from '../config.js';
import type { FaultPlan } from '../train/actorLearner.js';
import { buildActorCritic } from '../agents/networks.js';
import { startDashboard, type Dashboard } from '../dashboard/server.js';
import { prepareDirectory } from '../io/directory.js';
import { getPreset, networkSpec, presetIds } from '../presets.js';
import { buildTrainConfig, checkSettings, resumedConfig, type Settings } from '../runConfig.js';
import { listCheckpoints, readLatestCheckpoint, type Checkpoint } from '../train/checkpoint.js';
import { train, CONFIG_FILE, METRICS_FILE, WEIGHTS_FILE, type TrainSummary } from '../train/coordinator.js';
import { loadRunConfig } from '../train/evaluate.js';
import { defaultRunDir, formatInt, formatSeconds } from './format.js';
import { UsageError } from './flags.js';
import { SETTINGS, settingKeys } from '../settings/table.js';
import { settingsFromOptions } from './trainOptions.js';
import { chooseStyle, createTrainConsole } from './trainConsole.js';

/** Earlier homes of the library's config builder, kept for code and tests that import them from here. */
export { buildTrainConfig, trainFlagsSchema, type TrainFlags } from '../runConfig.js';

/** The parameter layout of the network a config describes (to read a checkpoint against). */
function layoutFor(config: TrainConfig) {
  const env = getPreset(config.env).makeEnv(config.seed, config, 'train');
  const layout = buildActorCritic(networkSpec(config, env.actionSpace.n), 1, undefined, 'js').tensors();
  env.close();
  return layout;
}

/**
 * Fault injection for the chaos tests and the soak script, from A3C_CHAOS (JSON of a FaultPlan,
 * e.g. {"crash":0.002,"exitInUpdate":0.001,"nanGradient":0.01}); unset in normal use.
 */
const faultPlanSchema = z.object({
  crash: z.number().min(0).max(1).optional(),
  exitInUpdate: z.number().min(0).max(1).optional(),
  nanGradient: z.number().min(0).max(1).optional(),
  corruptWeightsAtUpdate: z.number().int().positive().optional(),
  seed: z.number().int().optional(),
  /** Crashes of one worker within a minute that stop the run (a soak injecting many faults raises it). */
  maxRestarts: z.number().int().positive().optional(),
}).strict();

function chaosFromEnvironment(): (FaultPlan & { maxRestarts?: number }) | undefined {
  const text = process.env.A3C_CHAOS;
  if (!text) return undefined;
  let raw: unknown;
  try { raw = JSON.parse(text); } catch { throw new UsageError('A3C_CHAOS: not JSON (e.g. {"crash":0.001})'); }
  const parsed = faultPlanSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`A3C_CHAOS: ${describeIssue(parsed.error, raw)}`);
  return parsed.data;
}

/** A setting of this invocation only (not stored in the run): given, or its table default. */
function invocationValue<K extends 'runDir' | 'resume' | 'dashboard' | 'host' | 'port' | 'jsonLogs' | 'quiet'>(settings: Settings, key: K): Settings[K] {
  const d = SETTINGS[key].default;
  return settings[key] ?? ('value' in d ? (d.value as Settings[K]) : undefined);
}

/** Run files the trainer writes or appends to: a symbolic link in their place is refused, never followed. */
const RUN_FILES = [CONFIG_FILE, METRICS_FILE, WEIGHTS_FILE];

export async function runTrain(envId: string | undefined, options: Record<string, unknown>): Promise<number> {
  const all = checkSettings(settingsFromOptions(options));
  const run = {
    runDir: invocationValue(all, 'runDir'), resume: invocationValue(all, 'resume'), dashboard: invocationValue(all, 'dashboard') === true,
    host: invocationValue(all, 'host')!, port: invocationValue(all, 'port')!, jsonLogs: invocationValue(all, 'jsonLogs') === true, quiet: invocationValue(all, 'quiet') === true,
  };
  const settings: Settings = { ...all };
  for (const key of settingKeys()) if (SETTINGS[key].stored === 'invocation') delete settings[key];
  let config: TrainConfig;
  let runDir: string;
  let resumeFrom: Checkpoint | undefined;
  if (run.resume !== undefined) {
    runDir = run.resume;
    if (run.runDir !== undefined && run.runDir !== runDir) throw new UsageError('--run-dir: a resumed run continues in its own directory (drop --run-dir)');
    try {
      loadRunConfig(runDir);
    } catch (error) {
      // The checkpoint holds the run's config and is authoritative; a damaged config.json is rewritten from it.
      if (listCheckpoints(runDir).length === 0) throw error;
      process.stderr.write(`a3c: warning: ${(error as Error).message}: resuming with the config stored in the checkpoint\n`);
    }
    resumeFrom = readLatestCheckpoint(runDir, layoutFor);
    if (envId !== undefined && getPreset(envId).id !== resumeFrom.config.env) throw new UsageError(`${runDir} trains ${resumeFrom.config.env}, not ${envId}: drop the environment argument when resuming`);
    config = resumedConfig(resumeFrom.config, settings);
    if (config.maxSteps !== null && resumeFrom.state.globalSteps >= config.maxSteps) {
      throw new UsageError(`--max-steps: the run already made ${formatInt(resumeFrom.state.globalSteps)} steps of its ${formatInt(config.maxSteps)}: pass a larger --max-steps to continue`);
    }
  } else {
    if (envId === undefined) throw new UsageError(`train: name an environment (${presetIds().join(', ')}) or pass --resume <run-dir>`);
    config = buildTrainConfig(envId, settings);
    runDir = run.runDir ?? defaultRunDir(config.env);
    if (listCheckpoints(runDir).length > 0) throw new UsageError(`--run-dir: ${runDir} already holds a run: continue it with --resume ${runDir}, or choose another directory`);
  }

  // Build the environment once before saying anything: a bad ROM or env option is one line, nothing else.
  try {
    getPreset(config.env).makeEnv(config.seed, config, 'train').close();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  // The run directory must be creatable and writable before a worker starts (not after, and never a hang).
  prepareDirectory(runDir, run.resume !== undefined ? '--resume' : '--run-dir');
  for (const name of RUN_FILES) {
    const path = join(runDir, name);
    let link = false;
    try { link = lstatSync(path).isSymbolicLink(); } catch { /* absent: it will be created */ }
    if (link) throw new UsageError(`${path} is a symbolic link: a3c writes only files of its own run directory (remove the link or choose another --run-dir)`);
  }
  const style = chooseStyle({ quiet: run.quiet, jsonLogs: run.jsonLogs, hasBudget: config.maxSteps !== null || config.maxSeconds !== null, isTTY: process.stdout.isTTY === true });
  const out = createTrainConsole(style, config, resumeFrom?.state.globalSteps ?? 0);
  const budget = [config.maxSteps !== null ? `${formatInt(config.maxSteps)} steps` : '', config.maxSeconds !== null ? `${config.maxSeconds}s` : '',
    config.targetReturn !== null ? `until mean return of last 100 episodes >= ${config.targetReturn}` : ''].filter(Boolean).join(', ');
  out.info(`a3c: ${resumeFrom ? 'resuming' : 'training'} ${config.env} (net ${config.net}) with ${config.workers} worker${config.workers > 1 ? 's' : ''}, seed ${config.seed}${budget ? `, ${budget}` : ', until Ctrl-C'}`);
  if (resumeFrom) out.info(`a3c: from ${resumeFrom.path}: ${formatInt(resumeFrom.state.globalSteps)} steps, ${formatInt(resumeFrom.state.episodes)} episodes, ${formatSeconds(resumeFrom.state.seconds)} trained`);
  out.info(`a3c: run directory ${runDir}`);

  let dashboard: Dashboard | null = null;
  if (run.dashboard) {
    dashboard = await startDashboard(runDir, { host: run.host, port: run.port });
    out.info(`a3c: dashboard at ${dashboard.url}`);
  }

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\na3c: stopping workers and writing a checkpoint (Ctrl-C again to quit at once)\n');
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const chaos = chaosFromEnvironment();
  let summary: TrainSummary;
  try {
    summary = await train(config, runDir, {
      onEpisode: out.episode, onTick: out.tick, onCheckpoint: out.checkpoint,
      onWorkerFault: out.workerFault, onWarning: out.warning,
      signal: controller.signal, resumeFrom, faults: chaos, maxRestarts: chaos?.maxRestarts,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await dashboard?.close();
  }
  out.finish(summary, config);
  return 0;
}
