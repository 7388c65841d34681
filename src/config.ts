import { z } from 'zod';

/**
 * One schema for a training run: the CLI builds it from flags, `config.json` stores it, and
 * `eval`/`--resume` read it back. Every field has a default and a one-line doc.
 */
export const optimizerSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('adam'),
    learningRate: z.number().positive().describe('step size'),
    beta1: z.number().min(0).max(1).default(0.9),
    beta2: z.number().min(0).max(1).default(0.999),
    epsilon: z.number().positive().default(1e-8),
    epsilonStyle: z.enum(['tf', 'pytorch']).default('tf').describe('where epsilon enters: TF1 (the reference) or PyTorch'),
  }),
  z.object({
    kind: z.literal('rmsprop'),
    learningRate: z.number().positive(),
    alpha: z.number().min(0).max(1).default(0.99),
    epsilon: z.number().positive().default(0.1),
  }),
]);
export type OptimizerConfig = z.infer<typeof optimizerSchema>;

export const trainConfigSchema = z.object({
  env: z.string().min(1).describe('environment id, e.g. cartpole or breakout'),
  net: z.string().min(1).describe('network name from the preset, e.g. mlp, reference, small'),
  workers: z.number().int().min(1).max(256).describe('actor-learner threads'),
  seed: z.number().int().min(0).describe('run seed; worker k uses seed + k'),
  tMax: z.number().int().min(1).max(1000).describe('steps per rollout before an update'),
  gamma: z.number().min(0).max(1).describe('discount factor'),
  entropyCoef: z.number().min(0).describe('weight of sum(pi log pi) in the actor loss'),
  clipNorm: z.number().positive().describe('global gradient-norm clip'),
  rewardClip: z.number().positive().nullable().describe('clip rewards to [-c, c] for learning; null: no clipping'),
  optimizer: optimizerSchema,
  hogwild: z.boolean().describe('apply updates without the lock, as the A3C paper'),
  lifeLossTerminal: z.boolean().default(false).describe('treat a lost life as terminal (no bootstrap), DQN-style; the reference bootstraps across lives'),
  maxSteps: z.number().int().positive().nullable().describe('stop after this many global agent steps'),
  maxSeconds: z.number().positive().nullable().describe('stop after this many seconds'),
  checkpointEverySeconds: z.number().positive().default(600).describe('write a checkpoint (and model.safetensors) this often; the reference saved weights every 10 minutes'),
  keepCheckpoints: z.number().int().min(1).default(3).describe('checkpoints kept; older ones are deleted'),
  targetReturn: z.number().nullable().describe('stop once an evaluation of the saved best weights reaches this mean return'),
  evalEverySeconds: z.number().min(0).nullable().default(null).describe('evaluate the global weights this often (0: never; null: 2 s for runs with a target return, 300 s otherwise)'),
  evalEpisodes: z.number().int().min(1).max(10000).nullable().default(null).describe('episodes per evaluation (null: 10 with a target return, 5 otherwise)'),
  kernels: z.enum(['wasm', 'js']).default('wasm').describe('WebAssembly SIMD kernels, or the TypeScript reference kernels'),
  envOptions: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])).default({}),
  rom: z.string().min(1).nullable().default(null).describe('Atari 2600 ROM file: play the real game on the emulator instead of the built-in one'),
  game: z.string().min(1).nullable().default(null).describe('game settings to use for a ROM whose MD5 is not in the table'),
});
export type TrainConfig = z.infer<typeof trainConfigSchema>;

/** Formats the first problem zod found as one line: `--name: message (got value)`. */
export function describeIssue(error: z.ZodError, input: unknown): string {
  const issue = error.issues[0];
  const path = issue.path.join('.');
  let got: unknown = input;
  for (const key of issue.path) got = got && typeof got === 'object' ? (got as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
  return `${path || 'config'}: ${issue.message}${got !== undefined ? ` (got ${JSON.stringify(got)})` : ''}`;
}
