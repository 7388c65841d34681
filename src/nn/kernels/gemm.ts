/**
 * Plain TypeScript matrix products over row-major Float32Arrays with offsets. These are the
 * reference kernels: simple loop orders with contiguous inner loops, no allocation.
 * Shapes follow BLAS naming: C is M x N, the shared dimension is K.
 */

/** C[M,N] (+)= A[M,K] * B[K,N]. Skips zero entries of A (ReLU outputs are about half zeros). */
export function gemmNN(
  M: number, N: number, K: number,
  A: Float32Array, aOffset: number,
  B: Float32Array, bOffset: number,
  C: Float32Array, cOffset: number,
  accumulate: boolean,
): void {
  if (!accumulate) C.fill(0, cOffset, cOffset + M * N);
  for (let i = 0; i < M; i++) {
    const aRow = aOffset + i * K;
    const cRow = cOffset + i * N;
    for (let p = 0; p < K; p++) {
      const a = A[aRow + p];
      if (a === 0) continue;
      const bRow = bOffset + p * N;
      for (let j = 0; j < N; j++) C[cRow + j] += a * B[bRow + j];
    }
  }
}

/** C[M,N] += A[K,M]^T * B[K,N]: parameter gradients (inputs^T x output gradients). */
export function gemmTN(
  M: number, N: number, K: number,
  A: Float32Array, aOffset: number,
  B: Float32Array, bOffset: number,
  C: Float32Array, cOffset: number,
): void {
  for (let p = 0; p < K; p++) {
    const aRow = aOffset + p * M;
    const bRow = bOffset + p * N;
    for (let i = 0; i < M; i++) {
      const a = A[aRow + i];
      if (a === 0) continue;
      const cRow = cOffset + i * N;
      for (let j = 0; j < N; j++) C[cRow + j] += a * B[bRow + j];
    }
  }
}

/** C[M,N] (+)= A[M,K] * B[N,K]^T: input gradients (output gradients x weights^T). */
export function gemmNT(
  M: number, N: number, K: number,
  A: Float32Array, aOffset: number,
  B: Float32Array, bOffset: number,
  C: Float32Array, cOffset: number,
  accumulate: boolean,
): void {
  for (let i = 0; i < M; i++) {
    const aRow = aOffset + i * K;
    const cRow = cOffset + i * N;
    for (let j = 0; j < N; j++) {
      const bRow = bOffset + j * K;
      let sum = 0;
      for (let p = 0; p < K; p++) sum += A[aRow + p] * B[bRow + p];
      C[cRow + j] = accumulate ? C[cRow + j] + sum : sum;
    }
  }
}
