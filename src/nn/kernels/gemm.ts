/**
 * Plain TypeScript matrix products over row-major Float32Arrays with offsets: the reference
 * kernels. Loops are blocked four-wide so each loaded value feeds four multiply-adds; inner loops
 * run over contiguous memory; nothing is allocated. Shapes follow BLAS naming: C is M x N and
 * the shared dimension is K.
 */

/** C[M,N] (+)= A[M,K] * B[K,N]. Skips zero entries of A at batch 1 (ReLU outputs are ~half zero). */
export function gemmNN(
  M: number, N: number, K: number,
  A: Float32Array, aOffset: number,
  B: Float32Array, bOffset: number,
  C: Float32Array, cOffset: number,
  accumulate: boolean,
): void {
  if (!accumulate) C.fill(0, cOffset, cOffset + M * N);
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const a0 = aOffset + i * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
    const c0 = cOffset + i * N, c1 = c0 + N, c2 = c1 + N, c3 = c2 + N;
    for (let p = 0; p < K; p++) {
      const x0 = A[a0 + p], x1 = A[a1 + p], x2 = A[a2 + p], x3 = A[a3 + p];
      const bRow = bOffset + p * N;
      for (let j = 0; j < N; j++) {
        const b = B[bRow + j];
        C[c0 + j] += x0 * b;
        C[c1 + j] += x1 * b;
        C[c2 + j] += x2 * b;
        C[c3 + j] += x3 * b;
      }
    }
  }
  for (; i < M; i++) {
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

/** C[M,N] (+)= A[K,M]^T * B[K,N]: parameter gradients (inputs^T x output gradients); without `accumulate` C is overwritten. */
export function gemmTN(
  M: number, N: number, K: number,
  A: Float32Array, aOffset: number,
  B: Float32Array, bOffset: number,
  C: Float32Array, cOffset: number,
  accumulate = true,
): void {
  if (!accumulate) C.fill(0, cOffset, cOffset + M * N);
  let p = 0;
  for (; p + 4 <= K; p += 4) {
    const a0 = aOffset + p * M, a1 = a0 + M, a2 = a1 + M, a3 = a2 + M;
    const b0 = bOffset + p * N, b1 = b0 + N, b2 = b1 + N, b3 = b2 + N;
    for (let i = 0; i < M; i++) {
      const x0 = A[a0 + i], x1 = A[a1 + i], x2 = A[a2 + i], x3 = A[a3 + i];
      if (x0 === 0 && x1 === 0 && x2 === 0 && x3 === 0) continue;
      const cRow = cOffset + i * N;
      for (let j = 0; j < N; j++) {
        C[cRow + j] += x0 * B[b0 + j] + x1 * B[b1 + j] + x2 * B[b2 + j] + x3 * B[b3 + j];
      }
    }
  }
  for (; p < K; p++) {
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
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const b0 = bOffset + j * K, b1 = b0 + K, b2 = b1 + K, b3 = b2 + K;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let p = 0; p < K; p++) {
        const a = A[aRow + p];
        s0 += a * B[b0 + p];
        s1 += a * B[b1 + p];
        s2 += a * B[b2 + p];
        s3 += a * B[b3 + p];
      }
      if (accumulate) { C[cRow + j] += s0; C[cRow + j + 1] += s1; C[cRow + j + 2] += s2; C[cRow + j + 3] += s3; }
      else { C[cRow + j] = s0; C[cRow + j + 1] = s1; C[cRow + j + 2] = s2; C[cRow + j + 3] = s3; }
    }
    for (; j < N; j++) {
      const bRow = bOffset + j * K;
      let sum = 0;
      for (let p = 0; p < K; p++) sum += A[aRow + p] * B[bRow + p];
      C[cRow + j] = accumulate ? C[cRow + j] + sum : sum;
    }
  }
}
