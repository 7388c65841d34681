import { z } from 'zod';
import { SETTINGS, settingKeys, type ConfigKey } from './settings/table.js';

/**
 * The schema of a training run, derived from the settings table (`settings/table.ts`): the CLI
 * builds a config with it (`runConfig.ts`), `config.json` and every checkpoint store it, and
 * `eval`/`--resume` read it back. Flags and files are checked by the same per-setting schemas.
 */
export const optimizerSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('adam'),
    learningRate: SETTINGS.learningRate.schema,
    beta1: z.number().min(0).max(1).default(0.9),
    beta2: z.number().min(0).max(1).default(0.999),
    epsilon: z.number().positive().default(1e-8),
    epsilonStyle: z.enum(['tf', 'pytorch']).default('tf').describe('where epsilon enters: TF1 (the reference) or PyTorch'),
  }),
  z.object({
    kind: z.literal('rmsprop'),
    learningRate: SETTINGS.learningRate.schema,
    alpha: z.number().min(0).max(1).default(0.99),
    epsilon: z.number().positive().default(0.1),
  }),
]);
export type OptimizerConfig = z.infer<typeof optimizerSchema>;

type ConfigShape = { [K in ConfigKey]: (typeof SETTINGS)[K]['schema'] } & { optimizer: typeof optimizerSchema };

/** Each stored setting's schema; a setting older runs did not write gets the value their absence meant. */
function configShape(): ConfigShape {
  const shape: Record<string, z.ZodType> = { optimizer: optimizerSchema };
  for (const key of settingKeys()) {
    const row = SETTINGS[key];
    if (row.stored !== 'config') continue;
    const absent = 'absentMeans' in row ? row.absentMeans : 'value' in row.default ? row.default.value : undefined;
    shape[key] = absent !== undefined ? (row.schema as z.ZodType).default(absent) : row.schema;
  }
  return shape as ConfigShape;
}

/** Older field names (e.g. `saveEverySeconds`) read as today's, so old run directories still load. */
function renameOldFields(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const renamed: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  for (const key of settingKeys()) {
    const row = SETTINGS[key];
    for (const old of ('oldNames' in row ? row.oldNames : undefined) ?? []) {
      if (old in renamed) {
        if (!(key in renamed)) renamed[key] = renamed[old];
        delete renamed[old];
      }
    }
  }
  return renamed;
}

export const trainConfigSchema = z.preprocess(renameOldFields, z.object(configShape()));
export type TrainConfig = z.infer<typeof trainConfigSchema>;

/** Formats the first problem zod found as one line: `--name: message (got value)`. */
export function describeIssue(error: z.ZodError, input: unknown): string {
  const issue = error.issues[0];
  const path = issue.path.join('.');
  let got: unknown = input;
  for (const key of issue.path) got = got && typeof got === 'object' ? (got as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
  return `${path || 'config'}: ${issue.message}${got !== undefined ? ` (got ${JSON.stringify(got)})` : ''}`;
}
