import { z } from 'zod';
import { defaultBreakoutOptions, removedBreakoutOption } from '../envs/breakout/breakout.js';
import { DEFAULT_ATARI_OPTIONS } from '../envs/atari/atariEnv.js';
import { UsageError } from './errors.js';
import { booleanFromText, integerIn, numberFromText, numberIn } from './values.js';

/** The `--env-option` names an environment takes, each with its type and range. */
export type EnvOptionSpecs = Record<string, z.ZodType<number | boolean>>;

/**
 * Types and ranges of the options the emulated and the built-in games share, by name. The
 * ranges are what the game can run with in bounded time and memory (a frame skip of 1e9 would
 * step a billion frames per agent step).
 */
const RANGES: Record<string, z.ZodType<number | boolean>> = {
  frameSkip: integerIn(1, 64),
  repeatActionProbability: numberIn(0, 1, { exclusiveMax: true }),
  maxEpisodeFrames: integerIn(1, 10_000_000),
  maxPoolLastTwoFrames: z.boolean({ error: 'expected true or false' }),
  /** The reference presses FIRE 1-30 times at reset; `noopStart=true` waits with NOOP instead. */
  noopStart: z.boolean({ error: 'expected true or false' }),
};

/** Specs for the options of a game whose defaults are `defaults`, plus the presets' `noopStart`. */
function specsFor(defaults: object): EnvOptionSpecs {
  const specs: EnvOptionSpecs = {};
  for (const [name, value] of Object.entries(defaults)) {
    specs[name] = RANGES[name] ?? (typeof value === 'boolean' ? z.boolean() : z.number().finite());
  }
  specs.noopStart = RANGES.noopStart;
  return specs;
}

/** The built-in Breakout's options (named from its defaults, so a removed option is refused here too). */
export const BREAKOUT_ENV_OPTIONS = specsFor(defaultBreakoutOptions);
/** The emulated games' options (`--rom`). */
export const ATARI_ENV_OPTIONS = specsFor(DEFAULT_ATARI_OPTIONS);

/**
 * Checks options by name, type and range; text (from `--env-option key=value`) is read as the
 * option's type. Returns typed values; a problem is a UsageError of one line naming the option,
 * what it takes and, for an unknown name, the names allowed.
 */
export function checkEnvOptions(envId: string, specs: EnvOptionSpecs, given: Record<string, number | boolean | string>): Record<string, number | boolean> {
  const names = Object.keys(specs);
  const options: Record<string, number | boolean> = {};
  for (const [name, raw] of Object.entries(given)) {
    const spec = specs[name];
    const removed = !spec && specs === BREAKOUT_ENV_OPTIONS ? removedBreakoutOption(name) : undefined;
    if (removed) throw new UsageError(`--env-option: breakout option '${name}' was removed: ${removed}`);
    if (!spec) {
      throw new UsageError(names.length === 0
        ? `--env-option: ${envId} takes no environment options (got ${name})`
        : `--env-option: unknown ${envId} option '${name}': choose from ${names.join(', ')}`);
    }
    const value = typeof raw !== 'string' ? raw : spec instanceof z.ZodBoolean ? booleanFromText(raw) : numberFromText(raw);
    const parsed = spec.safeParse(value);
    if (!parsed.success) throw new UsageError(`--env-option ${name}: ${parsed.error.issues[0].message} (got ${JSON.stringify(raw)})`);
    options[name] = parsed.data;
  }
  return options;
}

/** `key=value` pairs (repeated `--env-option`) into a record of their texts; a pair without `=` is refused. */
export function envOptionPairs(pairs: readonly string[]): Record<string, string> {
  const options: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1 || !/^[A-Za-z]\w*$/.test(pair.slice(0, at)) || at === pair.length - 1) {
      throw new UsageError(`--env-option: expected key=value, e.g. frameSkip=4 (got ${JSON.stringify(pair)})`);
    }
    options[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return options;
}
