import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { defaultKernels } from '../agents/networks.js';
import { DEFAULT_EMULATOR, EMULATORS } from '../envs/atari/emulatorCore.js';
import { ATARI_ENV_OPTIONS, BREAKOUT_ENV_OPTIONS, envOptionPairs } from './envOptions.js';
import { RECIPE_NAMES } from './recipes.js';
import { integerIn, numberFromText, numberIn, numberOrNoneFromText, seedSchema } from './values.js';

/**
 * Every setting of `a3c train`, declared once. From this table come the commander options and
 * their help (`cli/trainOptions.ts`), the schema config.json and checkpoints are read with
 * (`config.ts`), the defaults and the resume policy (`runConfig.ts`).
 *
 * Adding a setting: add a row here; if its default differs per environment, give each preset's
 * value in `presets.ts` (the `Preset.defaults` type asks for it); then read it where it acts.
 */

/** Where a setting's default comes from. */
export type SettingDefault<T> =
  | { value: T }
  /** Each preset gives its own (`Preset.defaults`); help prints them per environment. */
  | { preset: true }
  /**
   * Depends on this machine (e.g. its cores) and on the settings above it in this table, already
   * resolved (`resolved`); `text` is what help says.
   */
  | { machine: (resolved: Readonly<Record<string, unknown>>) => T; text: string }
  /** Not set unless given. */
  | { none: true };

export interface Setting<S extends z.ZodType = z.ZodType> {
  /** The value as config.json, a checkpoint and the library API hold it. Flags are checked by it too. */
  schema: S;
  help: string;
  default: SettingDefault<z.infer<S>>;
  /**
   * The flag, spelled from the key (`tMax` -> `--t-max`) or from `name` where one occurrence
   * holds one item (`--env-option`), unless `false` (no flag). `value`: the
   * placeholder (absent for a switch); `fromText`: how its text becomes a value for the schema;
   * `aliases`: old spellings that keep working, hidden from help; `repeatable`: given many times.
   */
  flag: false | { name?: string; value?: string; fromText?: (text: string) => unknown; fromTexts?: (texts: string[]) => unknown; aliases?: string[]; repeatable?: boolean; choices?: readonly string[] };
  /** `fixed`: describes the run itself, so `--resume` refuses a new value; `free`: may change on resume. */
  onResume: 'fixed' | 'free';
  /**
   * `config`: a field of TrainConfig (config.json); `optimizer`: a field of its `optimizer`
   * object; `invocation`: of this command only, never stored.
   */
  stored: 'config' | 'optimizer' | 'invocation';
  /** Names older run directories wrote this setting under; still accepted when reading. */
  oldNames?: string[];
  /** What a config.json written before this setting existed means by leaving it out (default: the `value` default). */
  absentMeans?: z.infer<S>;
}

/**
 * Actor-learners per thread when not given: one thread per core once there are more
 * actor-learners than cores (16 on 2 cores: 2 threads of 8), since more threads than cores only
 * time-share the cores while each keeps its own copy of the network; else one thread each.
 */
export function defaultEnvsPerThread(workers: number, cores: number): number {
  return workers > cores ? Math.ceil(workers / cores) : 1; // at most --workers' 256
}

/** A row, keeping its schema's type and where it is stored (the TrainConfig type is derived from them). */
const setting = <S extends z.ZodType, const Stored extends Setting['stored']>(row: Setting<S> & { stored: Stored }): Setting<S> & { stored: Stored } => row;
const text = z.string().min(1, 'expected a non-empty value');

export const SETTINGS = {
  env: setting({
    schema: text, help: 'environment id, e.g. cartpole or breakout (the positional argument)',
    default: { none: true }, flag: false, onResume: 'fixed', stored: 'config',
  }),
  recipe: setting({
    schema: z.enum(RECIPE_NAMES), help: 'named defaults, sources in docs/recipes.md: book (the presets\', from the book\'s code) or paper (the A3C paper: net lstm or small, t-max 5, 16 workers, Hogwild, RMSProp lr 0.0007 annealed to 0 over --max-steps 20000000, entropy 0.01); explicit flags win',
    default: { value: 'book' }, flag: { value: 'name', choices: RECIPE_NAMES }, onResume: 'fixed', stored: 'config',
  }),
  net: setting({
    schema: text, help: 'network from the preset',
    default: { preset: true }, flag: { value: 'name' }, onResume: 'fixed', stored: 'config',
  }),
  workers: setting({
    schema: integerIn(1, 256), help: 'actor-learners (one thread each, unless --envs-per-thread hosts several in one)',
    default: { machine: () => Math.min(256, availableParallelism()), text: 'number of cores' },
    flag: { value: 'n', fromText: numberFromText }, onResume: 'free', stored: 'config',
  }),
  envsPerThread: setting({
    schema: integerIn(1, 256), help: 'actor-learners per thread, acting together with one batched forward pass (threads: workers / k, rounded up); each keeps its own rollout and update (docs/batched-acting.md)',
    default: { machine: (resolved) => defaultEnvsPerThread(resolved.workers as number, availableParallelism()), text: 'workers / cores, rounded up, where there are more workers than cores, else 1' },
    flag: { value: 'k', fromText: numberFromText }, onResume: 'fixed', stored: 'config', absentMeans: 1,
  }),
  seed: setting({
    schema: seedSchema, help: 'run seed (an integer in [0, 2^32)); worker k is seeded seed+k',
    default: { value: 0 }, flag: { value: 's', fromText: numberFromText }, onResume: 'fixed', stored: 'config',
  }),
  maxSteps: setting({
    schema: integerIn(1, 1e12).nullable(), help: 'stop once the run has made this many global agent steps in total (none: no limit)',
    default: { preset: true }, flag: { value: 'n|none', fromText: numberOrNoneFromText, aliases: ['steps'] }, onResume: 'free', stored: 'config',
  }),
  maxSeconds: setting({
    schema: numberIn(0, 1e8, { exclusiveMin: true }).nullable(), help: 'stop after this many seconds of this invocation (none: no limit)',
    default: { preset: true }, flag: { value: 'seconds|none', fromText: numberOrNoneFromText, aliases: ['time'] }, onResume: 'free', stored: 'config',
  }),
  tMax: setting({
    schema: integerIn(1, 1000), help: 'steps per rollout before each update',
    default: { preset: true }, flag: { value: 'n', fromText: numberFromText }, onResume: 'fixed', stored: 'config',
  }),
  gamma: setting({
    schema: numberIn(0, 1), help: 'discount factor',
    default: { preset: true }, flag: { value: 'x', fromText: numberFromText }, onResume: 'fixed', stored: 'config',
  }),
  entropyCoef: setting({
    schema: numberIn(0, 10), help: 'weight of the entropy bonus in the actor loss',
    default: { preset: true }, flag: { value: 'x', fromText: numberFromText, aliases: ['entropy'] }, onResume: 'fixed', stored: 'config',
  }),
  gaeLambda: setting({
    schema: numberIn(0, 1).nullable(), help: 'GAE(lambda) advantages for the actor, e.g. 1 (universe-starter-agent, ikostrikov) or 0.92 (dgriff777); the critic keeps the n-step return (none: the book\'s n-step advantages)',
    default: { value: null }, flag: { value: 'x|none', fromText: numberOrNoneFromText }, onResume: 'fixed', stored: 'config',
  }),
  clipNorm: setting({
    schema: numberIn(0, 1e12, { exclusiveMin: true }), help: 'global gradient-norm clip (a huge value: no clipping)',
    default: { preset: true }, flag: { value: 'x', fromText: numberFromText }, onResume: 'fixed', stored: 'config',
  }),
  rewardClip: setting({
    schema: numberIn(0, 1e6, { exclusiveMin: true }).nullable(), help: 'clip rewards to [-c, c] for learning (none: no clipping)',
    default: { preset: true }, flag: { value: 'c|none', fromText: numberOrNoneFromText }, onResume: 'fixed', stored: 'config',
  }),
  optimizer: setting({
    schema: z.enum(['adam', 'rmsprop']), help: 'shared optimizer (its other constants: the paper\'s or the reference\'s, see nn/optimizers.ts)',
    default: { preset: true }, flag: { value: 'kind', choices: ['adam', 'rmsprop'] }, onResume: 'fixed', stored: 'optimizer',
  }),
  learningRate: setting({
    schema: numberIn(0, 1, { exclusiveMin: true }), help: 'learning rate (a different --optimizer brings its own: rmsprop 0.0007, adam 0.0001)',
    default: { preset: true }, flag: { value: 'x', fromText: numberFromText, aliases: ['lr'] }, onResume: 'fixed', stored: 'optimizer',
  }),
  lrSchedule: setting({
    schema: z.enum(['constant', 'linear']), help: 'learning rate over training: constant (the book) or linear, annealed to 0 over --max-steps (the A3C paper)',
    default: { value: 'constant' }, flag: { value: 'kind', choices: ['constant', 'linear'] }, onResume: 'fixed', stored: 'config',
  }),
  hogwild: setting({
    schema: z.boolean(), help: 'apply updates without the lock, as the A3C paper',
    default: { preset: true }, flag: {}, onResume: 'fixed', stored: 'config',
  }),
  lifeLossTerminal: setting({
    schema: z.boolean(), help: 'treat a lost life as terminal (DQN-style); the reference bootstraps across lives',
    default: { value: false }, flag: {}, onResume: 'fixed', stored: 'config',
  }),
  targetReturn: setting({
    schema: numberIn(-1e9, 1e9).nullable(), help: 'stop when an evaluation of the saved best weights reaches a mean return of x (none: never)',
    default: { preset: true }, flag: { value: 'x|none', fromText: numberOrNoneFromText }, onResume: 'free', stored: 'config',
  }),
  evalEverySeconds: setting({
    schema: numberIn(0, 1e7).nullable(), help: 'evaluate the global weights this often in a thread of their own, keeping the best in best.safetensors (0: never; none: 2 with a target return, else 300)',
    default: { value: null }, flag: { value: 'seconds|none', fromText: numberOrNoneFromText, aliases: ['eval-every'] }, onResume: 'free', stored: 'config',
  }),
  evalEpisodes: setting({
    schema: integerIn(1, 10000).nullable(), help: 'episodes per evaluation (none: 10 with a target return, else 5)',
    default: { value: null }, flag: { value: 'n|none', fromText: numberOrNoneFromText }, onResume: 'free', stored: 'config',
  }),
  kernels: setting({
    schema: z.enum(['wasm', 'js']), help: 'wasm (SIMD) or js (the TypeScript reference kernels)',
    default: { machine: defaultKernels, text: 'wasm where WebAssembly SIMD runs, else js' },
    flag: { value: 'kind', choices: ['wasm', 'js'] }, onResume: 'fixed', stored: 'config', absentMeans: 'wasm',
  }),
  envOptions: setting({
    // Names, types and ranges depend on the environment: checked per preset in runConfig.ts.
    schema: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])),
    help: `environment option key=value, repeatable (breakout: ${Object.keys(BREAKOUT_ENV_OPTIONS).join(', ')}; with --rom: ${Object.keys(ATARI_ENV_OPTIONS).join(', ')})`,
    default: { value: {} }, flag: { name: 'envOption', value: 'key=value...', repeatable: true, fromTexts: envOptionPairs }, onResume: 'fixed', stored: 'config',
  }),
  rom: setting({
    schema: text.nullable(), help: 'Atari 2600 ROM: play the real game on the emulator (breakout: optional; pong, space_invaders, seaquest, beam_rider, qbert, enduro: required)',
    default: { value: null }, flag: { value: 'file' }, onResume: 'free', stored: 'config',
  }),
  game: setting({
    schema: text.nullable(), help: 'run a known game from a ROM whose MD5 differs (another dump)',
    default: { value: null }, flag: { value: 'id' }, onResume: 'fixed', stored: 'config',
  }),
  emulator: setting({
    schema: z.enum(EMULATORS), help: `Atari 2600 core that runs --rom: ours (src/envs/atari/cores/ours, faster, frame-exact against the reference on the test programs) or 6502ts (the reference)`,
    default: { value: DEFAULT_EMULATOR }, flag: { value: 'kind', choices: EMULATORS }, onResume: 'fixed', stored: 'config', absentMeans: '6502ts',
  }),
  checkpointEverySeconds: setting({
    schema: numberIn(0, 1e7, { exclusiveMin: true }), help: 'write a checkpoint (and model.safetensors) this often; the reference saved its weights every 10 minutes',
    default: { value: 600 }, flag: { value: 'seconds', fromText: numberFromText, aliases: ['checkpoint-every'] }, onResume: 'free', stored: 'config',
    oldNames: ['saveEverySeconds'],
  }),
  keepCheckpoints: setting({
    schema: integerIn(1, 1000), help: 'checkpoints to keep; older ones are deleted',
    default: { value: 3 }, flag: { value: 'k', fromText: numberFromText }, onResume: 'free', stored: 'config',
  }),
  runDir: setting({
    schema: text, help: 'output directory (default: runs/<env>-<timestamp>)',
    default: { none: true }, flag: { value: 'dir' }, onResume: 'free', stored: 'invocation',
  }),
  resume: setting({
    schema: text, help: 'continue a run from its newest checkpoint: weights, optimizer, counters and curves',
    default: { none: true }, flag: { value: 'run-dir' }, onResume: 'free', stored: 'invocation',
  }),
  resumeExisting: setting({
    schema: z.boolean(), help: 'with --run-dir: continue the run in it when it already holds one, else start it (for restarts by Docker or Kubernetes)',
    default: { value: false }, flag: {}, onResume: 'free', stored: 'invocation',
  }),
  dashboard: setting({
    schema: z.boolean(), help: 'serve the live dashboard while training',
    default: { value: false }, flag: {}, onResume: 'free', stored: 'invocation',
  }),
  host: setting({
    schema: text, help: 'dashboard address (127.0.0.1: this machine only)',
    default: { value: '127.0.0.1' }, flag: { value: 'address' }, onResume: 'free', stored: 'invocation',
  }),
  port: setting({
    schema: integerIn(0, 65535), help: 'dashboard port (0 picks a free one)',
    default: { value: 8787 }, flag: { value: 'port', fromText: numberFromText }, onResume: 'free', stored: 'invocation',
  }),
  jsonLogs: setting({
    schema: z.boolean(), help: 'print one JSON object per line (episodes, checkpoints, summary) for scripts',
    default: { value: false }, flag: {}, onResume: 'free', stored: 'invocation',
  }),
  quiet: setting({
    schema: z.boolean(), help: 'print only errors',
    default: { value: false }, flag: {}, onResume: 'free', stored: 'invocation',
  }),
} as const;

export type SettingKey = keyof typeof SETTINGS;
/** Every setting's value type, by key: what `buildTrainConfig` takes (each one optional). */
export type SettingValues = { [K in SettingKey]: z.infer<(typeof SETTINGS)[K]['schema']> };
/** The settings stored as top-level fields of TrainConfig. */
export type ConfigKey = { [K in SettingKey]: (typeof SETTINGS)[K]['stored'] extends 'config' ? K : never }[SettingKey];

export const settingKeys = (): SettingKey[] => Object.keys(SETTINGS) as SettingKey[];

/** `tMax` -> `--t-max`: a setting's flag, spelled from its key. */
export function flagOf(key: string): string {
  return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

/** The keys whose value `--resume` refuses to change. */
export function fixedOnResume(): SettingKey[] {
  return settingKeys().filter((key) => SETTINGS[key].onResume === 'fixed' && SETTINGS[key].flag !== false);
}
