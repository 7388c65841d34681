import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsKernels, WasmArena, wasmAvailable } from '../../src/nn/kernels/backend.js';
import { Rng } from '../../src/util/rng.js';

// The gradient's global norm (and so the clipping) is sqrt(sumSquares) of the whole gradient,
// computed by the wasm kernel wherever the network lives in WebAssembly memory.
test('wasm sumSquares matches the TypeScript kernel on lengths with remainders, offsets and block edges', () => {
  assert.ok(wasmAvailable(), 'build/kernels.wasm is missing: npm run build');
  const rng = new Rng(23);
  const lengths = [0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 1023, 1024, 1025, 1027, 4096, 5000, 70_001];
  const arena = new WasmArena(4 * (70_001 + 64) + 4096);
  const x = arena.floats(70_001 + 8);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform(-3, 3);
  let compared = 0;
  for (const n of lengths) {
    for (const offset of [0, 1, 3, 4, 7]) {
      if (offset + n > x.length) continue;
      const wasm = arena.kernels.sumSquares(n, x, offset);
      const js = jsKernels.sumSquares(n, x, offset);
      let exact = 0;
      for (let i = offset; i < offset + n; i++) exact += x[i] * x[i];
      assert.equal(js, exact, `TypeScript kernel n=${n} offset=${offset}`);
      // The wasm kernel adds float32 lanes within blocks of 1024: agreement to float32 rounding.
      assert.ok(Math.abs(wasm - exact) <= 1e-5 * exact + 1e-12, `wasm n=${n} offset=${offset}: ${wasm} vs ${exact}`);
      compared++;
    }
  }
  assert.ok(compared > 80);
});

test('wasm sumSquares reads exactly its n elements, and a NaN or infinity among them shows in the sum', () => {
  const arena = new WasmArena(4096);
  const x = arena.floats(40);
  x.fill(1);
  x[0] = 1000; // just before the range
  x[37] = 1000; // just after it
  assert.equal(arena.kernels.sumSquares(36, x, 1), 36);
  x[36] = 2; // the last element, in the scalar tail
  assert.equal(arena.kernels.sumSquares(36, x, 1), 39);
  x[5] = Number.NaN;
  assert.ok(Number.isNaN(arena.kernels.sumSquares(36, x, 1)));
  x[5] = Number.POSITIVE_INFINITY;
  assert.equal(arena.kernels.sumSquares(36, x, 1), Number.POSITIVE_INFINITY);
});
