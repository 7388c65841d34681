import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logSoftmax, softmax } from '../../src/nn/activations.js';

test('softmax and log-softmax are exact, stable for large logits, and agree with each other', () => {
  const probs = new Float64Array(3), logs = new Float64Array(3);
  softmax([0, Math.log(2), Math.log(5)], 0, 3, probs, 0);
  assert.deepEqual([...probs].map((p) => Math.round(p * 1e12) / 1e12), [0.125, 0.25, 0.625]);
  // rows inside a wider buffer (fused policy + value head), huge logits that would overflow exp()
  const row = [9, 1000, 1001, 1003, 7];
  softmax(row, 1, 3, probs, 0);
  logSoftmax(row, 1, 3, logs, 0);
  const expected = [1, Math.E, Math.E ** 3].map((e) => e / (1 + Math.E + Math.E ** 3));
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(probs[i] - expected[i]) < 1e-12, `softmax ${i}`);
    assert.ok(Math.abs(Math.exp(logs[i]) - probs[i]) < 1e-12, `log-softmax ${i}`);
  }
  assert.ok(Number.isFinite(logs[0]) && logs[0] < -3);
});
