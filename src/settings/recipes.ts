import type { SettingValues } from './table.js';

/**
 * Named sets of training settings (`--recipe`): each replaces some of the preset's defaults;
 * flags given explicitly still win. Sources and choices: docs/recipes.md.
 */
export const RECIPE_NAMES = ['book', 'paper'] as const;
export type RecipeName = (typeof RECIPE_NAMES)[number];

/** The paper's step budget: 80M frames at a frame skip of 4, the horizon its learning rate anneals over. */
export const PAPER_MAX_STEPS = 20_000_000;

/**
 * The settings a recipe gives for a preset whose networks are `networks`. `book` gives none:
 * the presets' defaults are the book's. `paper` is the A3C paper's (Mnih et al. 2016): its
 * LSTM net where the preset has one, else its small feed-forward net (else the preset's own),
 * t_max 5, 16 actor-learners updating without locks, shared RMSProp lr 7e-4 (alpha 0.99 and
 * epsilon 0.1, RMSProp's own constants), annealed linearly to 0 over 20M steps, entropy 0.01.
 */
export function recipeSettings(name: RecipeName, networks: readonly string[]): Partial<SettingValues> {
  if (name === 'book') return {};
  const net = ['lstm', 'small'].find((candidate) => networks.includes(candidate));
  return {
    ...(net ? { net } : {}),
    tMax: 5, workers: 16, hogwild: true, entropyCoef: 0.01,
    optimizer: 'rmsprop', learningRate: 7e-4, lrSchedule: 'linear', maxSteps: PAPER_MAX_STEPS,
  };
}

