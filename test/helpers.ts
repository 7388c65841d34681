import { Rng } from '../src/util/rng.js';
import { trainConfigSchema, type TrainConfig } from '../src/config.js';
import { getPreset } from '../src/presets.js';

export function randomArray(length: number, rng: Rng, scale = 1): Float32Array {
  const a = new Float32Array(length);
  for (let i = 0; i < length; i++) a[i] = rng.uniform(-scale, scale);
  return a;
}

/** |a - b| / max(|a| + |b|, floor): relative error that ignores differences of tiny values. */
export function relativeError(a: number, b: number, floor = 1e-4): number {
  return Math.abs(a - b) / Math.max(Math.abs(a) + Math.abs(b), floor);
}

/**
 * Central finite differences of `loss` with respect to each listed index of `x` (modified in
 * place and restored). Returns the maximum relative error against `analytic`; differences of
 * entries under 1% of the largest gradient are measured against that 1% (float32 round-off).
 */
export function maxGradientError(
  x: Float32Array, indices: number[], analytic: ArrayLike<number>, loss: () => number, eps = 1e-2,
): { maxError: number; worstIndex: number } {
  let maxError = 0, worstIndex = -1;
  let scale = 0;
  for (const i of indices) scale = Math.max(scale, Math.abs(analytic[i]));
  const floor = Math.max(1e-6, 0.01 * scale);
  for (const i of indices) {
    const saved = x[i];
    x[i] = saved + eps;
    const plus = loss();
    x[i] = saved - eps;
    const minus = loss();
    x[i] = saved;
    const numeric = (plus - minus) / (2 * eps);
    const error = relativeError(analytic[i], numeric, floor);
    if (error > maxError) { maxError = error; worstIndex = i; }
  }
  return { maxError, worstIndex };
}

/** Up to `count` distinct indices in [0, n), spread by a seeded generator. */
export function sampleIndices(n: number, count: number, rng: Rng): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  const picked = new Set<number>();
  while (picked.size < count) picked.add(rng.int(0, n - 1));
  return [...picked];
}

/**
 * A validated CartPole run configuration: the preset's defaults, no target, one worker, the
 * default kernels and checkpointing, with `overrides` on top (TrainConfig field names).
 */
export function cartpoleConfig(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return trainConfigSchema.parse({ ...getPreset('cartpole').defaults, targetReturn: null, workers: 1, seed: 0, ...overrides });
}
