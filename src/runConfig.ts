import { resolve } from 'node:path';
import { trainConfigSchema, describeIssue, type OptimizerConfig, type TrainConfig } from './config.js';
import { defaultAdam, defaultRmsProp } from './nn/optimizers.js';
import { getPreset, presetIds, type Preset } from './presets.js';
import { checkEnvOptions, envOptionPairs } from './settings/envOptions.js';
import { recipeSettings } from './settings/recipes.js';
import { UsageError } from './settings/errors.js';
import { SETTINGS, flagOf, settingKeys, type SettingKey, type SettingValues } from './settings/table.js';

/**
 * Settings -> TrainConfig, the one way a run's configuration is built: the CLI, `bench`, the
 * library API and the tests call `buildTrainConfig`; `--resume` calls `resumedConfig`. Every
 * value is checked by its row's schema in `settings/table.ts`; a problem is a UsageError of one
 * line naming the flag.
 */
export type Settings = Partial<SettingValues>;

/** Checks each given setting against its schema; `undefined` means not given. */
export function checkSettings(settings: Settings): Settings {
  const checked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    const row = SETTINGS[key as SettingKey];
    if (!row) throw new UsageError(`${key}: not a setting: choose from ${settingKeys().join(', ')}`);
    const parsed = row.schema.safeParse(value);
    if (!parsed.success) throw new UsageError(`${flagSpelling(key as SettingKey)}: ${parsed.error.issues[0].message} (got ${JSON.stringify(value)})`);
    checked[key] = parsed.data;
  }
  return checked as Settings;
}

/** How help and errors name a setting: its flag, or its key where it has none. */
export function flagSpelling(key: SettingKey): string {
  const flag = SETTINGS[key].flag;
  return flag === false ? key : flagOf(('name' in flag && flag.name) || key);
}

/** The value a preset gives a setting whose default is `{ preset: true }`. */
function presetValue(preset: Preset, key: SettingKey): unknown {
  if (key === 'optimizer') return preset.defaults.optimizer.kind;
  if (key === 'learningRate') return preset.defaults.optimizer.learningRate;
  return (preset.defaults as Record<string, unknown>)[key];
}

/** A setting's default for `preset` (undefined: none); `resolved`: the settings above it in the table. */
export function defaultValue(key: SettingKey, preset: Preset, resolved: Readonly<Record<string, unknown>>): unknown {
  const d = SETTINGS[key].default;
  if ('value' in d) return d.value;
  if ('machine' in d) return d.machine(resolved);
  if ('preset' in d) return presetValue(preset, key);
  return undefined;
}

/** The optimizer of a run: the preset's, or the chosen kind's own constants, with the learning rate if given. */
function optimizerFor(preset: Preset, kind: OptimizerConfig['kind'] | undefined, learningRate: number | undefined): OptimizerConfig {
  const base = preset.defaults.optimizer;
  let optimizer: OptimizerConfig = !kind || kind === base.kind ? base
    : kind === 'rmsprop' ? { kind: 'rmsprop', ...defaultRmsProp } : { kind: 'adam', ...defaultAdam };
  if (learningRate !== undefined) optimizer = { ...optimizer, learningRate };
  return optimizer;
}

/**
 * Merges `settings` over the recipe's values (`--recipe`, default book) over the preset's
 * defaults into a checked TrainConfig.
 */
export function buildTrainConfig(envId: string, settings: Settings = {}): TrainConfig {
  let preset: Preset;
  try { preset = getPreset(envId); } catch (error) { throw new UsageError((error as Error).message); }
  const explicit = checkSettings(settings) as Record<string, unknown>;
  const recipe = recipeSettings((explicit.recipe ?? 'book') as SettingValues['recipe'], Object.keys(preset.networks)) as Record<string, unknown>;
  // A recipe's learning rate belongs to its optimizer: an explicit other --optimizer brings its own.
  if (explicit.optimizer !== undefined && explicit.optimizer !== recipe.optimizer) delete recipe.learningRate;
  const given: Record<string, unknown> = { ...recipe };
  for (const [key, value] of Object.entries(explicit)) if (value !== undefined) given[key] = value;
  const raw: Record<string, unknown> = {};
  for (const key of settingKeys()) {
    if (SETTINGS[key].stored !== 'config') continue;
    raw[key] = given[key] !== undefined ? given[key] : defaultValue(key, preset, raw);
  }
  raw.env = preset.id;
  raw.rom = raw.rom ? resolve(raw.rom as string) : null; // absolute: eval and play may run from elsewhere
  raw.optimizer = optimizerFor(preset, given.optimizer as OptimizerConfig['kind'] | undefined, given.learningRate as number | undefined);
  if (preset.rom === 'required' && !raw.rom) throw new UsageError(`--rom: ${preset.id} is played from your Atari 2600 ROM: pass --rom FILE`);
  if (preset.rom === 'none' && raw.rom) throw new UsageError(`--rom: ${preset.id} is not an Atari game`);
  if (raw.game && !raw.rom) throw new UsageError('--game: only applies with --rom');
  if (!preset.networks[raw.net as string]) throw new UsageError(`--net: unknown network '${raw.net}' for ${preset.id}: choose one of ${Object.keys(preset.networks).join(', ')}`);
  checkSchedule(raw);
  raw.envOptions = checkEnvOptions(preset.id, preset.envOptions({ rom: raw.rom as string | null }), (raw.envOptions ?? {}) as Record<string, string>);
  return parseConfig(raw);
}

/** A linear schedule needs the step budget it anneals over. */
function checkSchedule(config: Record<string, unknown>): void {
  if (config.lrSchedule === 'linear' && config.maxSteps === null) {
    throw new UsageError('--lr-schedule linear anneals the learning rate to 0 over --max-steps: give --max-steps N');
  }
}

function parseConfig(raw: unknown): TrainConfig {
  const parsed = trainConfigSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(describeIssue(parsed.error, raw));
  return parsed.data;
}

/**
 * The config of a resumed run: the checkpoint's, with the settings that may change on resume
 * (budget, workers, checkpointing, the ROM's path) taken from `settings`; a setting fixed on
 * resume that is given at all is refused.
 */
export function resumedConfig(saved: TrainConfig, settings: Settings): TrainConfig {
  const given = checkSettings(settings) as Record<string, unknown>;
  const updated: Record<string, unknown> = { ...saved };
  for (const [key, value] of Object.entries(given)) {
    const row = SETTINGS[key as SettingKey];
    if (row.onResume === 'fixed') {
      throw new UsageError(`${flagSpelling(key as SettingKey)} cannot change when resuming: the run continues with its saved settings (drop the flag, or start a new run)`);
    }
    if (row.stored === 'config') updated[key] = value;
  }
  // The schedule continues from the global step counter towards the same end.
  if (saved.lrSchedule === 'linear' && given.maxSteps !== undefined && given.maxSteps !== saved.maxSteps) {
    throw new UsageError(`--max-steps cannot change when resuming this run: its learning rate anneals to 0 over the saved --max-steps ${saved.maxSteps} (drop the flag)`);
  }
  if (given.rom) updated.rom = resolve(given.rom as string); // the ROM may have moved
  return parseConfig(updated);
}

const shown = (value: unknown): string =>
  value === null ? 'none' : typeof value === 'number' ? String(value) : typeof value === 'string' ? value : JSON.stringify(value);

/**
 * The default as help states it: a constant, what the machine decides, or each preset's value
 * (grouped: `cartpole 0.001; breakout, pong, ... 0.0001`), read from the presets themselves.
 */
export function defaultHelp(key: SettingKey): string {
  const d = SETTINGS[key].default;
  if ('none' in d) return '';
  if ('machine' in d) return `(default: ${d.text})`;
  if ('value' in d) return d.value === false || (typeof d.value === 'object' && d.value !== null) ? '' : `(default ${shown(d.value)})`;
  const byValue = new Map<string, string[]>();
  for (const id of presetIds()) {
    const text = shown(presetValue(getPreset(id), key));
    byValue.set(text, [...(byValue.get(text) ?? []), id]);
  }
  if (byValue.size === 1) return `(default ${[...byValue.keys()][0]}, every preset)`;
  return `(default from the preset: ${[...byValue].map(([value, ids]) => `${ids.join(', ')} ${value}`).join('; ')})`;
}

/**
 * The flag names earlier versions of the library API took (`steps`, `time`, `entropy`, `lr`,
 * `checkpointEvery`, `envOption`, `targetReturn: 'none'`), read as settings. Kept so code and
 * tests written against `buildTrainConfig(env, trainFlagsSchema.parse({...}))` keep working;
 * new code passes settings (`runConfig.ts`) directly.
 */
export const trainFlagsSchema = {
  parse(flags: Record<string, unknown>): Settings {
    const renames: Record<string, string> = { steps: 'maxSteps', time: 'maxSeconds', entropy: 'entropyCoef', lr: 'learningRate', checkpointEvery: 'checkpointEverySeconds', evalEvery: 'evalEverySeconds' };
    const settings: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(flags)) {
      if (key === 'envOption') settings.envOptions = envOptionPairs(value as string[]);
      else settings[renames[key] ?? key] = value === 'none' ? null : value;
    }
    return settings as Settings;
  },
};
export type TrainFlags = Settings;
