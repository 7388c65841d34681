/**
 * Optimizer steps as pure functions over flat buffers, so the state can live in shared memory
 * and be updated by whichever actor-learner holds the lock.
 */

export interface AdamOptions {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /**
   * 'tf': TF1 AdamOptimizer (the reference): lr_t = lr*sqrt(1-b2^t)/(1-b1^t),
   *       p -= lr_t * m / (sqrt(v) + eps).
   * 'pytorch': torch.optim.Adam: p -= lr * m_hat / (sqrt(v_hat) + eps).
   * They differ only in where epsilon enters.
   */
  epsilonStyle: 'tf' | 'pytorch';
}

export const defaultAdam: AdamOptions = { learningRate: 1e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, epsilonStyle: 'tf' };

/** The smallest normal float32: moments below it are stored as 0 (see flushDenormal). */
const SMALLEST_NORMAL = 1.17549435e-38;

/**
 * `x`, or 0 where it is below the smallest normal float32 in magnitude. TensorFlow (the
 * reference's framework) computes with denormals flushed to zero; the WebAssembly optimizers
 * flush the moments they store (a decaying moment in the denormal range makes every operation
 * on it ~100x slower), and these reference versions do the same so both stay equal.
 */
export function flushDenormal(x: number): number {
  return Math.abs(x) < SMALLEST_NORMAL ? 0 : x;
}

/**
 * One Adam step at step number `step` (1-based), updating params, m and v in place, with the
 * gradients multiplied by `gradScale` (clipping by global norm folded into the same pass).
 * Moments below the smallest normal float are stored as 0.
 */
export function adamStep(
  params: Float32Array, grads: Float32Array, m: Float32Array, v: Float32Array, step: number, o: AdamOptions, gradScale = 1,
): void {
  const { beta1, beta2, epsilon } = o;
  const c1 = 1 - Math.pow(beta1, step);
  const c2 = 1 - Math.pow(beta2, step);
  const n = params.length;
  if (o.epsilonStyle === 'tf') {
    const lrT = o.learningRate * Math.sqrt(c2) / c1;
    for (let i = 0; i < n; i++) {
      const g = grads[i] * gradScale;
      const mi = (m[i] = flushDenormal(beta1 * m[i] + (1 - beta1) * g));
      const vi = (v[i] = flushDenormal(beta2 * v[i] + (1 - beta2) * g * g));
      params[i] -= lrT * mi / (Math.sqrt(vi) + epsilon);
    }
  } else {
    const stepSize = o.learningRate / c1;
    const sqrtC2 = Math.sqrt(c2);
    for (let i = 0; i < n; i++) {
      const g = grads[i] * gradScale;
      const mi = (m[i] = flushDenormal(beta1 * m[i] + (1 - beta1) * g));
      const vi = (v[i] = flushDenormal(beta2 * v[i] + (1 - beta2) * g * g));
      params[i] -= stepSize * mi / (Math.sqrt(vi) / sqrtC2 + epsilon);
    }
  }
}

export interface RmsPropOptions {
  learningRate: number;
  /** Decay of the squared-gradient average (the A3C paper: 0.99). */
  alpha: number;
  /** Added inside the square root (the A3C paper: 0.1). */
  epsilon: number;
}

export const defaultRmsProp: RmsPropOptions = { learningRate: 7e-4, alpha: 0.99, epsilon: 0.1 };

/**
 * RMSProp with statistics `g` shared by all actor-learners, as the A3C paper's Eq. (S2-S3):
 * g = alpha*g + (1-alpha)*grad^2; p -= lr * grad / sqrt(g + eps).
 */
export function rmsPropStep(params: Float32Array, grads: Float32Array, g: Float32Array, o: RmsPropOptions, gradScale = 1): void {
  const { learningRate, alpha, epsilon } = o;
  for (let i = 0; i < params.length; i++) {
    const grad = grads[i] * gradScale;
    const gi = (g[i] = flushDenormal(alpha * g[i] + (1 - alpha) * grad * grad));
    params[i] -= learningRate * grad / Math.sqrt(gi + epsilon);
  }
}

/**
 * How the learning rate moves over training: `constant` (the book), or `linear`, annealed from
 * the base rate to 0 over `steps` steps (the A3C paper), 0 from there on.
 */
export type LearningRateSchedule = { kind: 'constant' } | { kind: 'linear'; steps: number };

/** The scheduled learning rate after `step` steps of training. */
export function scheduledLearningRate(base: number, schedule: LearningRateSchedule | undefined, step: number): number {
  if (!schedule || schedule.kind === 'constant') return base;
  return base * Math.max(0, 1 - step / schedule.steps);
}

/** The factor tf.clip_by_global_norm applies for a gradient of this norm: clip / max(norm, clip). */
export function clipScale(norm: number, clip: number): number {
  return norm > clip ? clip / norm : 1;
}

/** Euclidean norm of the whole gradient, accumulated in double precision. */
export function globalNorm(grads: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < grads.length; i++) sum += grads[i] * grads[i];
  return Math.sqrt(sum);
}

/**
 * tf.clip_by_global_norm: scales grads by clip/max(norm, clip). Returns the norm before
 * clipping (NaN or Infinity if the gradient is not finite; grads are then left untouched).
 */
export function clipByGlobalNorm(grads: Float32Array, clip: number): number {
  const norm = globalNorm(grads);
  if (!Number.isFinite(norm)) return norm;
  const scale = clipScale(norm, clip);
  if (scale !== 1) for (let i = 0; i < grads.length; i++) grads[i] *= scale;
  return norm;
}
