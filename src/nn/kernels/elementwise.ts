/**
 * Reference TypeScript versions of the elementwise kernels: bias + activation, ReLU backward,
 * bias gradients, sums of squares. Offsets count floats.
 */

/** C[M,N] = act(C + bias) row by row. */
export function biasActivation(M: number, N: number, C: Float32Array, cOffset: number, bias: Float32Array, biasOffset: number, relu: boolean): void {
  for (let i = 0; i < M; i++) {
    const row = cOffset + i * N;
    for (let j = 0; j < N; j++) {
      const v = C[row + j] + bias[biasOffset + j];
      C[row + j] = relu && v < 0 ? 0 : v;
    }
  }
}

/** gradIn = gradOut where output > 0, else 0, over [offset, offset + n) of all three. */
export function reluBackward(n: number, offset: number, output: Float32Array, gradOut: Float32Array, gradIn: Float32Array): void {
  for (let i = offset; i < offset + n; i++) gradIn[i] = output[i] > 0 ? gradOut[i] : 0;
}

/** biasGrad[j] += sum over M rows of G[i, j]. */
export function biasGradient(M: number, N: number, G: Float32Array, gOffset: number, biasGrad: Float32Array, biasOffset: number, accumulate = true): void {
  if (!accumulate) biasGrad.fill(0, biasOffset, biasOffset + N);
  for (let i = 0; i < M; i++) {
    const row = gOffset + i * N;
    for (let j = 0; j < N; j++) biasGrad[biasOffset + j] += G[row + j];
  }
}

/** Sum of squares of x[offset .. offset + n), in double precision. */
export function sumSquares(n: number, x: Float32Array, offset: number): number {
  let sum = 0;
  for (let i = offset; i < offset + n; i++) sum += x[i] * x[i];
  return sum;
}
