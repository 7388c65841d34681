// Optimizer steps over the global network, compiled against a *shared* memory that every
// actor-learner thread imports: parameters, moments and the workers' networks live in it, so
// the locked update runs as SIMD code on the shared data. Pointers are byte addresses.
// `copyTo` (0: none) receives the new parameters too: the updating worker's local network,
// which would otherwise copy them back in a second pass.
//
// Moments that fall below the smallest normal float are stored as 0, as TensorFlow (the
// reference's framework) computes with denormals flushed to zero. WebAssembly has no flush
// mode, and a moment that decays toward zero (a weight whose gradient stays 0: a dead unit)
// sits in the denormal range for ~150 updates, where each operation on it costs ~100 cycles:
// with 30-45% of the reference net's first moments there after ~1,000 updates, the optimizer
// step took 3.4-4.0 ms instead of 1.7.

/** The smallest normal float: below it a stored moment becomes 0. */
const SMALLEST_NORMAL: f32 = 1.17549435e-38;

/** Lanes below the smallest normal float in magnitude become 0. */
@inline function flushDenormals(x: v128): v128 {
  return v128.andnot(x, f32x4.lt(f32x4.abs(x), f32x4.splat(SMALLEST_NORMAL)));
}

@inline function flushDenormal(x: f32): f32 {
  return Mathf.abs(x) < SMALLEST_NORMAL ? 0 : x;
}

/**
 * Adam over n floats, gradients multiplied by `gradScale` (global-norm clipping folded in).
 * tfStyle = 1: TF1 AdamOptimizer, p -= stepSize * m / (sqrt(v) + eps) with stepSize = lr_t.
 * tfStyle = 0: PyTorch, p -= stepSize * m / (sqrt(v) / sqrtC2 + eps) with stepSize = lr / c1.
 */
export function adam(n: i32, params: usize, grads: usize, m: usize, v: usize, gradScale: f32,
  stepSize: f32, beta1: f32, beta2: f32, oneMinusBeta1: f32, oneMinusBeta2: f32, epsilon: f32, sqrtC2: f32, tfStyle: i32, copyTo: usize): void {
  // 1 - beta arrive from double precision: 1 - 0.999f in f32 would be off by 1.3e-5 relative.
  const b1 = f32x4.splat(beta1), b2 = f32x4.splat(beta2);
  const ob1 = f32x4.splat(oneMinusBeta1), ob2 = f32x4.splat(oneMinusBeta2);
  const scale = f32x4.splat(gradScale), step = f32x4.splat(stepSize), eps = f32x4.splat(epsilon);
  const invSqrtC2 = f32x4.splat(tfStyle ? 1 : 1 / sqrtC2);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const g = f32x4.mul(v128.load(grads + o), scale);
    const mi = flushDenormals(f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(ob1, g)));
    const vi = flushDenormals(f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(ob2, f32x4.mul(g, g))));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const denominator = f32x4.add(f32x4.mul(f32x4.sqrt(vi), invSqrtC2), eps);
    const p = f32x4.sub(v128.load(params + o), f32x4.div(f32x4.mul(step, mi), denominator));
    v128.store(params + o, p);
    if (copyTo) v128.store(copyTo + o, p);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(grads + o) * gradScale;
    const mi = flushDenormal(beta1 * load<f32>(m + o) + oneMinusBeta1 * g);
    const vi = flushDenormal(beta2 * load<f32>(v + o) + oneMinusBeta2 * g * g);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    const denominator = (tfStyle ? Mathf.sqrt(vi) : Mathf.sqrt(vi) / sqrtC2) + epsilon;
    const p = load<f32>(params + o) - stepSize * mi / denominator;
    store<f32>(params + o, p);
    if (copyTo) store<f32>(copyTo + o, p);
  }
}

/** Shared RMSProp (A3C paper): g = a g + (1-a) grad^2; p -= lr grad / sqrt(g + eps). */
export function rmsprop(n: i32, params: usize, grads: usize, g: usize, gradScale: f32, lr: f32, alpha: f32, oneMinusAlpha: f32, epsilon: f32, copyTo: usize): void {
  const a = f32x4.splat(alpha), oa = f32x4.splat(oneMinusAlpha), scale = f32x4.splat(gradScale);
  const rate = f32x4.splat(lr), eps = f32x4.splat(epsilon);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const grad = f32x4.mul(v128.load(grads + o), scale);
    const gi = flushDenormals(f32x4.add(f32x4.mul(a, v128.load(g + o)), f32x4.mul(oa, f32x4.mul(grad, grad))));
    v128.store(g + o, gi);
    const p = f32x4.sub(v128.load(params + o), f32x4.div(f32x4.mul(rate, grad), f32x4.sqrt(f32x4.add(gi, eps))));
    v128.store(params + o, p);
    if (copyTo) v128.store(copyTo + o, p);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const grad = load<f32>(grads + o) * gradScale;
    const gi = flushDenormal(alpha * load<f32>(g + o) + oneMinusAlpha * grad * grad);
    store<f32>(g + o, gi);
    const p = load<f32>(params + o) - lr * grad / Mathf.sqrt(gi + epsilon);
    store<f32>(params + o, p);
    if (copyTo) store<f32>(copyTo + o, p);
  }
}
