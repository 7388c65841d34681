import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { describeIssue, trainConfigSchema, type TrainConfig } from '../config.js';
import { getPreset } from '../presets.js';
import { defaultKernels } from '../agents/networks.js';
import { defaultAdam, defaultRmsProp } from '../nn/optimizers.js';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildActorCritic } from '../agents/networks.js';
import { exposureWarning } from '../dashboard/exposure.js';
import { startIsolatedDashboard, type IsolatedDashboard } from '../dashboard/isolatedDashboard.js';
import { networkSpec, presetIds } from '../presets.js';
import { listCheckpoints, readLatestCheckpoint, type Checkpoint } from '../train/checkpoint.js';
import { train, type TrainSummary } from '../train/coordinator.js';
import { loadRunConfig } from '../train/evaluate.js';
import { RunDirectory } from '../train/runDirectory.js';
import { defaultRunDir, formatInt, formatSeconds } from './format.js';
import { flagName, parseFlags, UsageError } from './flags.js';
import { chooseStyle, createTrainConsole } from './trainConsole.js';

/** The `train` flags as commander hands them over (strings), validated and coerced here. */
export const trainFlagsSchema = z.object({
  workers: z.coerce.number().int().min(1).max(256).optional(),
  seed: z.coerce.number().int().min(0).default(0),
  steps: z.coerce.number().int().positive().optional(),
  time: z.coerce.number().positive().optional(),
  runDir: z.string().min(1).optional(),
  net: z.string().min(1).optional(),
  lr: z.coerce.number().positive().optional(),
  tMax: z.coerce.number().int().min(1).max(1000).optional(),
  gamma: z.coerce.number().min(0).max(1).optional(),
  entropy: z.coerce.number().min(0).optional(),
  optimizer: z.enum(['adam', 'rmsprop']).optional(),
  hogwild: z.boolean().default(false),
  lifeLossTerminal: z.boolean().default(false),
  targetReturn: z.union([z.literal('none'), z.coerce.number()]).optional(),
  kernels: z.enum(['wasm', 'js']).optional(),
  checkpointEvery: z.coerce.number().positive().optional(),
  keepCheckpoints: z.coerce.number().int().min(1).max(1000).optional(),
  evalEvery: z.coerce.number().min(0).optional(),
  evalEpisodes: z.coerce.number().int().min(1).max(10000).optional(),
  resume: z.string().min(1).optional(),
  dashboard: z.boolean().default(false),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8787),
  jsonLogs: z.boolean().default(false),
  envOption: z.array(z.string().regex(/^[A-Za-z]\w*=.+$/, 'expected key=value')).default([]),
  rom: z.string().min(1).optional(),
  game: z.string().min(1).optional(),
  quiet: z.boolean().default(false),
});
export type TrainFlags = z.infer<typeof trainFlagsSchema>;

/** Merges the preset's defaults with the flags into a validated TrainConfig. */
export function buildTrainConfig(envId: string, flags: TrainFlags): TrainConfig {
  const preset = getPreset(envId);
  const d = preset.defaults;
  let optimizer = d.optimizer;
  if (flags.optimizer && flags.optimizer !== optimizer.kind) {
    optimizer = flags.optimizer === 'rmsprop'
      ? { kind: 'rmsprop', ...defaultRmsProp }
      : { kind: 'adam', ...defaultAdam };
  }
  if (flags.lr !== undefined) optimizer = { ...optimizer, learningRate: flags.lr };
  const raw: TrainConfig = {
    ...d,
    env: preset.id,
    net: flags.net ?? d.net,
    workers: flags.workers ?? availableParallelism(),
    seed: flags.seed,
    tMax: flags.tMax ?? d.tMax,
    gamma: flags.gamma ?? d.gamma,
    entropyCoef: flags.entropy ?? d.entropyCoef,
    optimizer,
    hogwild: flags.hogwild,
    lifeLossTerminal: flags.lifeLossTerminal,
    maxSteps: flags.steps ?? d.maxSteps,
    maxSeconds: flags.time ?? d.maxSeconds,
    targetReturn: flags.targetReturn === 'none' ? null : flags.targetReturn ?? d.targetReturn,
    kernels: flags.kernels ?? defaultKernels(),
    checkpointEverySeconds: flags.checkpointEvery ?? 600,
    keepCheckpoints: flags.keepCheckpoints ?? 3,
    evalEverySeconds: flags.evalEvery ?? null,
    evalEpisodes: flags.evalEpisodes ?? null,
    envOptions: parseEnvOptions(flags.envOption),
    rom: flags.rom ? resolve(flags.rom) : null, // absolute: eval and play may run from elsewhere
    game: flags.game ?? null,
  };
  if (preset.rom === 'required' && !raw.rom) throw new UsageError(`--rom: ${preset.id} is played from your Atari 2600 ROM: pass --rom FILE`);
  if (preset.rom === 'none' && raw.rom) throw new UsageError(`--rom: ${preset.id} is not an Atari game`);
  if (raw.game && !raw.rom) throw new UsageError('--game: only applies with --rom');
  if (!preset.networks[raw.net]) throw new Error(`--net: unknown network '${raw.net}' for ${preset.id}: choose one of ${Object.keys(preset.networks).join(', ')}`);
  return trainConfigSchema.parse(raw);
}

/** `key=value` pairs into typed options: numbers and booleans are recognized, the rest stay text. */
function parseEnvOptions(pairs: string[]): Record<string, number | boolean | string> {
  const options: Record<string, number | boolean | string> = {};
  for (const pair of pairs) {
    const [key, text] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
    options[key] = text === 'true' ? true : text === 'false' ? false : Number.isFinite(Number(text)) ? Number(text) : text;
  }
  return options;
}

/** Flags that describe the run itself: a resumed run keeps the checkpoint's values. */
const FIXED_ON_RESUME = ['seed', 'net', 'lr', 'tMax', 'gamma', 'entropy', 'optimizer', 'hogwild', 'lifeLossTerminal', 'kernels', 'envOption', 'game'] as const;

/** The config of a resumed run: the checkpoint's, with the budget, workers and checkpointing updated from the flags. */
function resumedConfig(saved: TrainConfig, flags: TrainFlags, rawFlags: Record<string, unknown>): TrainConfig {
  for (const key of FIXED_ON_RESUME) {
    const value = rawFlags[key];
    if (value !== undefined && value !== false && !(Array.isArray(value) && value.length === 0)) {
      throw new UsageError(`${flagName(key)} cannot change when resuming: the run continues with its saved settings (drop the flag, or start a new run)`);
    }
  }
  return trainConfigSchema.parse({
    ...saved,
    workers: flags.workers ?? saved.workers,
    maxSteps: flags.steps ?? saved.maxSteps,
    maxSeconds: flags.time ?? saved.maxSeconds,
    targetReturn: flags.targetReturn === undefined ? saved.targetReturn : flags.targetReturn === 'none' ? null : flags.targetReturn,
    checkpointEverySeconds: flags.checkpointEvery ?? saved.checkpointEverySeconds,
    keepCheckpoints: flags.keepCheckpoints ?? saved.keepCheckpoints,
    evalEverySeconds: flags.evalEvery ?? saved.evalEverySeconds,
    evalEpisodes: flags.evalEpisodes ?? saved.evalEpisodes,
    rom: flags.rom ? resolve(flags.rom) : saved.rom, // the ROM may have moved
  });
}

/** The parameter layout of the network a config describes (to read a checkpoint against). */
function layoutFor(config: TrainConfig) {
  const env = getPreset(config.env).makeEnv(config.seed, config, 'train');
  const layout = buildActorCritic(networkSpec(config, env.actionSpace.n), 1, undefined, 'js').tensors();
  env.close();
  return layout;
}

export async function runTrain(envId: string | undefined, rawFlags: Record<string, unknown>): Promise<number> {
  const flags = parseFlags(trainFlagsSchema, rawFlags);
  let config: TrainConfig;
  let runDir: string;
  let resumeFrom: Checkpoint | undefined;
  // One process per run directory, locked before anything is written: a second one is refused naming the holder.
  let runDirectory: RunDirectory | undefined;
  try {
    if (flags.resume !== undefined) {
      runDir = flags.resume;
      if (flags.runDir !== undefined && flags.runDir !== runDir) throw new UsageError('--run-dir: a resumed run continues in its own directory (drop --run-dir)');
      const saved = loadRunConfig(runDir);
      if (envId !== undefined && getPreset(envId).id !== saved.env) throw new UsageError(`${runDir} trains ${saved.env}, not ${envId}: drop the environment argument when resuming`);
      runDirectory = RunDirectory.lock(runDir);
      resumeFrom = readLatestCheckpoint(runDir, layoutFor);
      config = resumedConfig(resumeFrom.config, flags, rawFlags);
      if (config.maxSteps !== null && resumeFrom.state.globalSteps >= config.maxSteps) {
        throw new UsageError(`--steps: the run already made ${formatInt(resumeFrom.state.globalSteps)} steps of its ${formatInt(config.maxSteps)}: pass a larger --steps to continue`);
      }
    } else {
      if (envId === undefined) throw new UsageError(`train: name an environment (${presetIds().join(', ')}) or pass --resume <run-dir>`);
      config = buildTrainConfig(envId, flags);
      runDir = flags.runDir ?? defaultRunDir(config.env);
      runDirectory = RunDirectory.lock(runDir);
      if (listCheckpoints(runDir).length > 0) throw new UsageError(`--run-dir: ${runDir} already holds a run: continue it with --resume ${runDir}, or choose another directory`);
    }

    // Build the environment once before saying anything: a bad ROM or env option is one line, nothing else.
    getPreset(config.env).makeEnv(config.seed, config, 'train').close();
    return await trainLocked(config, runDirectory, resumeFrom, flags);
  } finally {
    runDirectory?.release();
  }
}

async function trainLocked(config: TrainConfig, runDirectory: RunDirectory, resumeFrom: Checkpoint | undefined, flags: z.infer<typeof trainFlagsSchema>): Promise<number> {
  const runDir = runDirectory.path;
  const style = chooseStyle({ quiet: flags.quiet, jsonLogs: flags.jsonLogs, hasBudget: config.maxSteps !== null || config.maxSeconds !== null, isTTY: process.stdout.isTTY === true });
  const out = createTrainConsole(style, config, resumeFrom?.state.globalSteps ?? 0);
  const budget = [config.maxSteps !== null ? `${formatInt(config.maxSteps)} steps` : '', config.maxSeconds !== null ? `${config.maxSeconds}s` : '',
    config.targetReturn !== null ? `until an evaluation of the saved weights reaches a mean return >= ${config.targetReturn}` : ''].filter(Boolean).join(', ');
  out.info(`a3c: ${resumeFrom ? 'resuming' : 'training'} ${config.env} (net ${config.net}) with ${config.workers} worker${config.workers > 1 ? 's' : ''}, seed ${config.seed}${budget ? `, ${budget}` : ', until Ctrl-C'}`);
  if (resumeFrom) out.info(`a3c: from ${resumeFrom.path}: ${formatInt(resumeFrom.state.globalSteps)} steps, ${formatInt(resumeFrom.state.episodes)} episodes, ${formatSeconds(resumeFrom.state.seconds)} trained`);
  out.info(`a3c: run directory ${runDir}`);

  let dashboard: IsolatedDashboard | null = null;
  if (flags.dashboard) {
    mkdirSync(runDir, { recursive: true });
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
    summary = await train(config, runDir, {
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
