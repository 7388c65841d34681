/** The softmax family over rows of flat buffers (ReLU lives in kernels/, fused into the layers). */

/**
 * Numerically stable softmax of `count` logits starting at `inOffset` (row stride may differ
 * from count, e.g. fused policy+value heads), written to `out` at `outOffset`.
 */
export function softmax(
  logits: ArrayLike<number>, inOffset: number, count: number, out: Float64Array | Float32Array, outOffset: number,
): void {
  let max = -Infinity;
  for (let i = 0; i < count; i++) max = Math.max(max, logits[inOffset + i]);
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const e = Math.exp(logits[inOffset + i] - max);
    out[outOffset + i] = e;
    sum += e;
  }
  for (let i = 0; i < count; i++) out[outOffset + i] /= sum;
}

/** log-softmax, stable: x - max - log(sum(exp(x - max))). */
export function logSoftmax(
  logits: ArrayLike<number>, inOffset: number, count: number, out: Float64Array | Float32Array, outOffset: number,
): void {
  let max = -Infinity;
  for (let i = 0; i < count; i++) max = Math.max(max, logits[inOffset + i]);
  let sum = 0;
  for (let i = 0; i < count; i++) sum += Math.exp(logits[inOffset + i] - max);
  const logSum = Math.log(sum) + max;
  for (let i = 0; i < count; i++) out[outOffset + i] = logits[inOffset + i] - logSum;
}
