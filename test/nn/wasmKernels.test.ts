import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jsKernels, WasmArena, wasmAvailable, wasmVariant } from '../../src/nn/kernels/backend.js';
import { buildActorCritic, referenceAtariNet } from '../../src/agents/networks.js';
import { Rng } from '../../src/util/rng.js';

const shapes: [number, number, number][] = [
  [1, 1, 1], [1, 512, 5184], [20, 512, 5184], [21, 2592, 512], [256, 32, 4000], [1030, 520, 20], [7, 130, 2100], [6, 518, 600], [3, 5, 7], [4, 8, 3], [5, 9, 13], [20, 32, 256], [400, 32, 256], [81, 64, 512], [7, 4, 64], [2, 3, 6], [6, 17, 9],
];

test('the wasm kernels are built; the fused multiply-add build is used unless A3C_NO_FMA=1', () => {
  assert.ok(wasmAvailable(), 'build/kernels.wasm is missing: npm run build');
  if (process.env.A3C_NO_FMA === '1') assert.equal(wasmVariant(), 'simd');
  else assert.equal(wasmVariant(), 'fma', 'Node 20+ accepts relaxed SIMD behind its V8 flag');
});

test('the plain SIMD build passes every test of this file too (run again with A3C_NO_FMA=1)', { skip: process.env.A3C_NO_FMA === '1' }, () => {
  // Without NODE_TEST_CONTEXT the nested runner prints its plain report instead of talking to ours.
  const { NODE_TEST_CONTEXT: _nested, ...env } = process.env;
  const r = spawnSync(process.execPath, ['--test', fileURLToPath(import.meta.url)], { env: { ...env, A3C_NO_FMA: '1' }, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stdout.split('\n').filter((l) => l.startsWith('not ok')).join('\n'));
  assert.match(r.stdout, /# fail 0/);
});

test('wasm SIMD gemmNN, gemmTN and gemmNT match the TypeScript kernels on many shapes (with remainders and offsets)', () => {
  const rng = new Rng(11);
  for (const [M, N, K] of shapes) {
    const arena = new WasmArena(4 * (2 * (M * K + K * N) + 7 * M * N + 64) + 4096);
    const fill = (n: number, zeroEvery = 0) => {
      const a = arena.floats(n);
      for (let i = 0; i < n; i++) a[i] = zeroEvery && i % zeroEvery === 0 ? 0 : rng.uniform(-1, 1);
      return a;
    };
    const A = fill(M * K + 4, 3), B = fill(K * N + 4), At = fill(K * M + 4), Bt = fill(N * K + 4);
    for (const accumulate of [false, true]) {
      const C = fill(M * N + 4), expected = C.slice();
      arena.kernels.gemmNN(M, N, K, A, 1, B, 3, C, 2, accumulate);
      jsKernels.gemmNN(M, N, K, A, 1, B, 3, expected, 2, accumulate);
      assertClose(C, expected, `NN ${M}x${N}x${K} acc=${accumulate}`);
      const C3 = fill(M * N + 4), expected3 = C3.slice();
      arena.kernels.gemmNT(M, N, K, A, 1, Bt, 2, C3, 1, accumulate);
      jsKernels.gemmNT(M, N, K, A, 1, Bt, 2, expected3, 1, accumulate);
      assertClose(C3, expected3, `NT ${M}x${N}x${K} acc=${accumulate}`);
    }
    for (const accumulate of [false, true]) {
      const C2 = fill(M * N + 4), expected2 = C2.slice();
      arena.kernels.gemmTN(M, N, K, At, 2, B, 1, C2, 3, accumulate);
      jsKernels.gemmTN(M, N, K, At, 2, B, 1, expected2, 3, accumulate);
      assertClose(C2, expected2, `TN ${M}x${N}x${K} acc=${accumulate}`);
    }
  }
});

test('wasm SIMD convolutions (forward, filter and input gradients) match the TypeScript loops, with offsets and remainders', () => {
  const rng = new Rng(12);
  // [H, W, C, KS, S, F]: the four A3C layers, rows of pixels that are no multiple of 4, and shapes that fall back
  const geometries: [number, number, number, number, number, number][] = [
    [84, 84, 4, 8, 4, 16], [84, 84, 4, 8, 4, 32], [20, 20, 16, 4, 2, 32], [20, 20, 32, 4, 2, 64],
    [11, 9, 4, 4, 2, 8], [7, 8, 2, 2, 1, 16], [9, 9, 2, 3, 2, 3], [6, 6, 8, 1, 1, 24], [13, 7, 4, 3, 1, 8],
  ];
  for (const [H, W, C, KS, S, F] of geometries) {
    const g = { H, W, C, KS, S, OH: Math.floor((H - KS) / S) + 1, OW: Math.floor((W - KS) / S) + 1 };
    const K = KS * KS * C, pixels = g.OH * g.OW, samples = 3;
    const arena = new WasmArena(4 * (2 * samples * H * W * C + 3 * K * F + 3 * samples * pixels * F + 64) + 4096);
    const fill = (n: number) => {
      const a = arena.floats(n);
      for (let i = 0; i < n; i++) a[i] = i % 5 === 0 ? 0 : rng.uniform(-1, 1);
      return a;
    };
    const input = fill(samples * H * W * C + 3), weights = fill(K * F + 2), gradOut = fill(samples * pixels * F + 1);
    const out = fill(samples * pixels * F + 2), expected = out.slice();
    arena.kernels.convForward(g, F, samples, input, 3, weights, 2, out, 2);
    jsKernels.convForward(g, F, samples, input, 3, weights, 2, expected, 2);
    assertClose(out, expected, `forward ${H}x${W}x${C} k${KS}/${S} F${F}`);
    const gw = fill(K * F + 2), expectedGw = gw.slice();
    arena.kernels.convFilterGrad(g, F, samples, input, 3, gradOut, 1, gw, 2);
    jsKernels.convFilterGrad(g, F, samples, input, 3, gradOut, 1, expectedGw, 2);
    assertClose(gw, expectedGw, `filter gradient ${H}x${W}x${C} k${KS}/${S} F${F}`);
    const gi = fill(samples * H * W * C + 1), expectedGi = gi.slice();
    arena.kernels.convInputGrad(g, F, samples, gradOut, 1, weights, 2, gi, 1, arena.floats(K * F));
    jsKernels.convInputGrad(g, F, samples, gradOut, 1, weights, 2, expectedGi, 1, new Float32Array(0));
    assertClose(gi, expectedGi, `input gradient ${H}x${W}x${C} k${KS}/${S} F${F}`);
  }
});

test('the reference net gives the same outputs and gradients with wasm and js kernels', () => {
  const rng = new Rng(4);
  const nets = (['js', 'wasm'] as const).map((k) => buildActorCritic(referenceAtariNet(3), 21, undefined, k));
  nets[0].initialize(3);
  nets[1].params.set(nets[0].params);
  const input = Float32Array.from({ length: nets[0].input.length }, () => rng.next());
  const headGrad = Float32Array.from({ length: 21 * 4 }, () => rng.uniform(-1, 1));
  for (const net of nets) {
    net.input.set(input);
    for (let row = 0; row < 20; row++) net.forward(row, 1);
    net.grads.fill(0);
    net.backward(headGrad, 0, 20);
  }
  assertClose(nets[1].output, nets[0].output, 'head outputs', 1e-4);
  assertClose(nets[1].grads, nets[0].grads, 'gradients', 1e-3);
});

function assertClose(actual: Float32Array, expected: Float32Array, what: string, tolerance = 1e-4): void {
  let scale = 0;
  for (const x of expected) scale = Math.max(scale, Math.abs(x));
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i] - expected[i]) > tolerance * Math.max(1, scale)) {
      assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

test('the backward pass overwrites gradients: a NaN left in the gradient buffer does not survive it', () => {
  for (const kernels of ['js', 'wasm'] as const) {
    const net = buildActorCritic(referenceAtariNet(3), 21, undefined, kernels);
    net.initialize(5);
    const rng = new Rng(6);
    for (let i = 0; i < net.input.length; i++) net.input[i] = rng.next();
    for (let row = 0; row < 20; row++) net.forward(row, 1);
    net.grads.fill(Number.NaN); // e.g. a NaN gradient injected or produced by the previous update
    net.backward(Float32Array.from({ length: 21 * 4 }, () => rng.uniform(-1, 1)), 0, 20);
    assert.ok(net.grads.every(Number.isFinite), `${kernels}: every gradient (weights and biases) was written`);
  }
});
