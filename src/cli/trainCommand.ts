import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainConfig } from '../config.js';
import { buildActorCritic } from '../agents/networks.js';
import { exposureWarning } from '../dashboard/exposure.js';
import { startIsolatedDashboard, type IsolatedDashboard } from '../dashboard/isolatedDashboard.js';
import { prepareDirectory } from '../io/directory.js';
import { getPreset, networkSpec, presetIds } from '../presets.js';
import { buildTrainConfig, checkSettings, resumedConfig, type Settings } from '../runConfig.js';
import { SETTINGS, settingKeys, type SettingKey } from '../settings/table.js';
import { listCheckpoints, readLatestCheckpoint, type Checkpoint } from '../train/checkpoint.js';
import { train } from '../presetEngine.js';
import { type TrainHooks, type TrainSummary } from '../train/coordinator.js';
import { loadRunConfig } from '../train/evaluate.js';
import { CONFIG_FILE, METRICS_FILE, RunDirectory, WEIGHTS_FILE } from '../train/runDirectory.js';
import { defaultRunDir, formatInt, formatSeconds, formatWorkers } from './format.js';
import { UsageError } from './flags.js';
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

/** A setting of this invocation only (not stored in the run): given, or its table default. */
function invocationValue<K extends 'runDir' | 'resume' | 'resumeExisting' | 'dashboard' | 'host' | 'port' | 'jsonLogs' | 'quiet'>(settings: Settings, key: K): Settings[K] {
  const d = SETTINGS[key].default;
  return settings[key] ?? ('value' in d ? (d.value as Settings[K]) : undefined);
}

/** Run files the trainer writes or appends to: a symbolic link in their place is refused, never followed. */
const RUN_FILES = [CONFIG_FILE, METRICS_FILE, WEIGHTS_FILE];

/** Refuses a run directory that cannot be created or written, or holds a symbolic link for a run file: before any worker starts, never a hang. */
function checkRunDirectory(runDir: string, flag: string): void {
  prepareDirectory(runDir, flag);
  for (const name of RUN_FILES) {
    const path = join(runDir, name);
    let link = false;
    try { link = lstatSync(path).isSymbolicLink(); } catch { /* absent: it will be created */ }
    if (link) throw new UsageError(`${path} is a symbolic link: a3c writes only files of its own run directory (remove the link or choose another --run-dir)`);
  }
}

/** What trains a prepared run: train() for `a3c train`; `a3c serve` passes its learner service. */
export type TrainRunner = (config: TrainConfig, runDir: string, hooks: TrainHooks) => Promise<TrainSummary>;

export async function runTrain(envId: string | undefined, options: Record<string, unknown>, runner: TrainRunner = train, command: 'train' | 'serve' = 'train'): Promise<number> {
  const all = checkSettings(settingsFromOptions(options));
  const flags: InvocationSettings = {
    dashboard: invocationValue(all, 'dashboard') === true, host: invocationValue(all, 'host')!, port: invocationValue(all, 'port')!,
    jsonLogs: invocationValue(all, 'jsonLogs') === true, quiet: invocationValue(all, 'quiet') === true,
  };
  const requestedRunDir = invocationValue(all, 'runDir'), resumeExisting = invocationValue(all, 'resumeExisting') === true;
  let resume = invocationValue(all, 'resume');
  const settings: Settings = { ...all };
  for (const key of settingKeys()) if (SETTINGS[key].stored === 'invocation') delete settings[key];
  // The same command starts the run and restarts it: its run-defining flags are then the run's own.
  let repeatsSavedRun = false;
  if (resumeExisting && resume === undefined) {
    if (requestedRunDir === undefined) throw new UsageError('--resume-existing: name the run directory with --run-dir');
    if (listCheckpoints(requestedRunDir).length > 0) { resume = requestedRunDir; repeatsSavedRun = true; }
  }
  let config: TrainConfig;
  let runDir: string;
  let resumeFrom: Checkpoint | undefined;
  // One process per run directory, locked before anything is written: a second one is refused naming the holder.
  let runDirectory: RunDirectory | undefined;
  try {
    if (resume !== undefined) {
      runDir = resume;
      if (requestedRunDir !== undefined && requestedRunDir !== runDir) throw new UsageError('--run-dir: a resumed run continues in its own directory (drop --run-dir)');
      try {
        loadRunConfig(runDir);
      } catch (error) {
        // The checkpoint holds the run's config and is authoritative; a damaged config.json is rewritten from it.
        if (listCheckpoints(runDir).length === 0) throw error;
        process.stderr.write(`a3c: warning: ${(error as Error).message}: resuming with the config stored in the checkpoint\n`);
      }
      checkRunDirectory(runDir, '--resume');
      runDirectory = RunDirectory.lock(runDir);
      resumeFrom = readLatestCheckpoint(runDir, layoutFor);
      if (envId !== undefined && getPreset(envId).id !== resumeFrom.config.env) throw new UsageError(`${runDir} trains ${resumeFrom.config.env}, not ${envId}: drop the environment argument when resuming`);
      config = resumedConfig(resumeFrom.config, repeatsSavedRun ? withoutSavedValues(settings, envId, resumeFrom.config) : settings);
      probeEnvironment(config);
      if (config.maxSteps !== null && resumeFrom.state.globalSteps >= config.maxSteps) {
        throw new UsageError(`--max-steps: the run already made ${formatInt(resumeFrom.state.globalSteps)} steps of its ${formatInt(config.maxSteps)}: pass a larger --max-steps to continue`);
      }
    } else {
      if (envId === undefined) throw new UsageError(`train: name an environment (${presetIds().join(', ')}) or pass --resume <run-dir>`);
      config = buildTrainConfig(envId, settings);
      runDir = requestedRunDir ?? defaultRunDir(config.env);
      // Build the environment once before creating anything: a bad ROM or env option is one line, nothing else.
      probeEnvironment(config);
      checkRunDirectory(runDir, '--run-dir');
      runDirectory = RunDirectory.lock(runDir);
      if (listCheckpoints(runDir).length > 0) throw new UsageError(`--run-dir: ${runDir} already holds a run: continue it with --resume ${runDir}, or choose another directory`);
    }
    return await trainLocked(config, runDirectory, resumeFrom, flags, runner, command);
  } finally {
    runDirectory?.release();
  }
}

/**
 * The settings that would change the saved run: flags that repeat its saved values are dropped,
 * so a fixed setting given again is no change; one that differs stays and is refused as usual.
 */
function withoutSavedValues(settings: Settings, envId: string | undefined, saved: TrainConfig): Settings {
  let asStarted: TrainConfig;
  try {
    asStarted = buildTrainConfig(envId ?? saved.env, settings);
  } catch {
    return settings; // resumedConfig names the problem
  }
  const kept: Settings = { ...settings };
  const started = asStarted as unknown as Record<string, unknown>, was = saved as unknown as Record<string, unknown>;
  for (const key of Object.keys(settings) as SettingKey[]) {
    if (JSON.stringify(started[key]) === JSON.stringify(was[key])) delete kept[key];
  }
  return kept;
}

/** Builds the run's environment once: its errors come from the user's settings (ROM, options), so they are usage errors. */
function probeEnvironment(config: TrainConfig): void {
  try {
    getPreset(config.env).makeEnv(config.seed, config, 'train').close();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The settings of this invocation alone, checked and with their table defaults. */
interface InvocationSettings { dashboard: boolean; host: string; port: number; jsonLogs: boolean; quiet: boolean }

async function trainLocked(config: TrainConfig, runDirectory: RunDirectory, resumeFrom: Checkpoint | undefined, flags: InvocationSettings, runner: TrainRunner, command: 'train' | 'serve'): Promise<number> {
  const runDir = runDirectory.path;
  const style = chooseStyle({ quiet: flags.quiet, jsonLogs: flags.jsonLogs, hasBudget: config.maxSteps !== null || config.maxSeconds !== null, isTTY: process.stdout.isTTY === true });
  const out = createTrainConsole(style, config, resumeFrom?.state.globalSteps ?? 0, process.stdout, command);
  const budget = [config.maxSteps !== null ? `${formatInt(config.maxSteps)} steps` : '', config.maxSeconds !== null ? `${config.maxSeconds}s` : '',
    config.targetReturn !== null ? `until an evaluation of the saved weights reaches a mean return >= ${config.targetReturn}` : ''].filter(Boolean).join(', ');
  const learners = command === 'serve' ? 'the actor-learners of its nodes' : formatWorkers(config.workers, config.envsPerThread); // a service has none of its own
  out.info(`a3c: ${resumeFrom ? 'resuming' : 'training'} ${config.env} (net ${config.net}) with ${learners}, seed ${config.seed}${budget ? `, ${budget}` : ', until Ctrl-C'}`);
  if (resumeFrom) out.info(`a3c: from ${resumeFrom.path}: ${formatInt(resumeFrom.state.globalSteps)} steps, ${formatInt(resumeFrom.state.episodes)} episodes, ${formatSeconds(resumeFrom.state.seconds)} trained`);
  out.info(`a3c: run directory ${runDir}`);

  let dashboard: IsolatedDashboard | null = null;
  if (flags.dashboard) {
    const warning = exposureWarning(flags.host);
    if (warning) out.warning(warning);
    // In its own process: whatever happens to it, the training logs one line and goes on.
    dashboard = await startIsolatedDashboard(runDir, { host: flags.host, port: flags.port }, { log: out.warning });
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

  let summary: TrainSummary;
  try {
    summary = await runner(config, runDir, {
      sinks: [out.sink], onTick: out.tick, onCheckpoint: out.checkpoint,
      onWorkerFault: out.workerFault, onWarning: out.warning,
      signal: controller.signal, resumeFrom, runDirectory,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await dashboard?.close();
  }
  out.finish(summary, config);
  return 0;
}
