import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gemmNN, gemmNT, gemmTN } from '../../src/nn/kernels/gemm.js';
import { Rng } from '../../src/util/rng.js';
import { randomArray } from '../helpers.js';

function naive(M: number, N: number, K: number, a: (i: number, p: number) => number, b: (p: number, j: number) => number): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = 0;
    for (let p = 0; p < K; p++) s += a(i, p) * b(p, j);
    c[i * N + j] = s;
  }
  return c;
}

function assertClose(actual: Float32Array, offset: number, expected: Float64Array, tolerance: number): void {
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[offset + i] - expected[i]) <= tolerance * (1 + Math.abs(expected[i])), `element ${i}: ${actual[offset + i]} vs ${expected[i]}`);
  }
}

test('gemmNN, gemmTN and gemmNT match a naive double-precision product, with offsets', () => {
  const rng = new Rng(7);
  for (const [M, N, K] of [[1, 1, 1], [3, 5, 7], [20, 32, 256], [1, 512, 300]]) {
    const A = randomArray(M * K + 3, rng), B = randomArray(K * N + 5, rng);
    A[4] = 0; // the zero-skip path
    const C = randomArray(M * N + 2, rng);
    const before = C.slice();
    gemmNN(M, N, K, A, 3, B, 5, C, 2, false);
    assertClose(C, 2, naive(M, N, K, (i, p) => A[3 + i * K + p], (p, j) => B[5 + p * N + j]), 1e-5);
    assert.equal(C[0], before[0]);

    // TN: A is [K, M]
    const At = randomArray(K * M, rng);
    const C2 = new Float32Array(M * N).fill(1);
    gemmTN(M, N, K, At, 0, B, 5, C2, 0);
    const expectedTN = naive(M, N, K, (i, p) => At[p * M + i], (p, j) => B[5 + p * N + j]).map((v) => v + 1);
    assertClose(C2, 0, expectedTN, 1e-5);

    // NT: B is [N, K]
    const Bt = randomArray(N * K, rng);
    const C3 = new Float32Array(M * N);
    gemmNT(M, N, K, A, 3, Bt, 0, C3, 0, false);
    assertClose(C3, 0, naive(M, N, K, (i, p) => A[3 + i * K + p], (p, j) => Bt[j * K + p]), 1e-5);
  }
});
