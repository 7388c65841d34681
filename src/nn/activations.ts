/** Element-wise activations and the softmax family, over row ranges of flat buffers. */

/** In place: x = max(x, 0) over [offset, offset + length). */
export function reluInPlace(x: Float32Array, offset: number, length: number): void {
  const end = offset + length;
  for (let i = offset; i < end; i++) if (x[i] < 0) x[i] = 0;
}

/** gradIn = gradOut where the ReLU output was positive, else 0. */
export function reluBackward(
  output: Float32Array, gradOut: Float32Array, gradIn: Float32Array, offset: number, length: number,
): void {
  const end = offset + length;
  for (let i = offset; i < end; i++) gradIn[i] = output[i] > 0 ? gradOut[i] : 0;
}

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
