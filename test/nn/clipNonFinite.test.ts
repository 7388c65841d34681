import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clipByGlobalNorm } from '../../src/nn/optimizers.js';

test('clipByGlobalNorm leaves a gradient with an infinite element untouched and reports the infinite norm', () => {
  // clip / Infinity would be 0: scaling would zero the finite elements and turn the infinite one into NaN.
  const g = Float32Array.from([3, Number.POSITIVE_INFINITY, -4]);
  assert.equal(clipByGlobalNorm(g, 40), Number.POSITIVE_INFINITY);
  assert.deepEqual([...g], [3, Number.POSITIVE_INFINITY, -4]);
  const nan = Float32Array.from([300, Number.NaN]);
  assert.ok(Number.isNaN(clipByGlobalNorm(nan, 40)));
  assert.equal(nan[0], 300);
});
