import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { trainConfigSchema, type TrainConfig } from '../config.js';
import { getPreset } from '../presets.js';
import { defaultKernels } from '../agents/networks.js';
import { defaultAdam, defaultRmsProp } from '../nn/optimizers.js';
import { train, type Progress, type TrainSummary } from '../train/coordinator.js';
import type { EpisodeRecord } from '../train/actorLearner.js';
import { defaultRunDir, formatInt, formatSeconds } from './format.js';
import { parseFlags } from './flags.js';

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
  saveEvery: z.coerce.number().positive().default(600),
  envOption: z.array(z.string().regex(/^[A-Za-z]\w*=.+$/, 'expected key=value')).default([]),
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
    saveEverySeconds: flags.saveEvery,
    envOptions: parseEnvOptions(flags.envOption),
  };
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

export async function runTrain(envId: string, rawFlags: Record<string, unknown>): Promise<number> {
  const flags = parseFlags(trainFlagsSchema, rawFlags);
  const config = buildTrainConfig(envId, flags);
  const runDir = flags.runDir ?? defaultRunDir(config.env);
  const quiet = flags.quiet;
  const say = (line: string) => { if (!quiet) process.stdout.write(line + '\n'); };

  const budget = [config.maxSteps !== null ? `${formatInt(config.maxSteps)} steps` : '', config.maxSeconds !== null ? `${config.maxSeconds}s` : '',
    config.targetReturn !== null ? `until mean return of last 100 episodes >= ${config.targetReturn}` : ''].filter(Boolean).join(', ');
  say(`a3c: training ${config.env} (net ${config.net}) with ${config.workers} worker${config.workers > 1 ? 's' : ''}, seed ${config.seed}${budget ? `, ${budget}` : ', until Ctrl-C'}`);
  say(`a3c: run directory ${runDir}`);

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\na3c: stopping workers and saving weights (Ctrl-C again to quit at once)\n');
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let lastLine = 0;
  const onEpisode = (record: EpisodeRecord, p: Progress): void => {
    const now = performance.now();
    if (now - lastLine < 250) return; // fast games finish hundreds of episodes a second
    lastLine = now;
    say(`episode ${String(record.episode).padStart(6)} | score ${record.return.toFixed(1).padStart(6)} | avg ${record.scoreAverage.toFixed(2).padStart(7)} | max ${record.scoreMax.toFixed(1).padStart(6)} | mean100 ${p.meanReturn100.toFixed(1).padStart(6)} | steps ${formatInt(p.globalSteps).padStart(10)} | ${formatInt(p.stepsPerSecond)} steps/s | ${formatSeconds(p.seconds)}`);
  };

  let summary: TrainSummary;
  try {
    summary = await train(config, runDir, { onEpisode, signal: controller.signal });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const reason = { steps: 'step budget reached', time: 'time budget reached', target: 'target return reached', interrupted: 'interrupted' }[summary.stopReason];
  say(`a3c: ${reason} after ${formatSeconds(summary.seconds)}: ${formatInt(summary.globalSteps)} steps, ${formatInt(summary.episodes)} episodes, ${formatInt(summary.stepsPerSecond)} steps/s, mean return (last 100) ${summary.meanReturn100.toFixed(2)}`);
  if (summary.solved) say(`a3c: solved (mean return of last 100 episodes >= ${config.targetReturn}) in ${summary.solved.seconds.toFixed(1)} s and ${formatInt(summary.solved.steps)} steps`);
  if (summary.skippedUpdates > 0) say(`a3c: ${summary.skippedUpdates} updates skipped for non-finite gradients`);
  say(`a3c: weights saved to ${summary.weightsPath}`);
  return 0;
}
