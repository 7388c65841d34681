import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gaeAdvantages, nStepAdvantages, nStepReturns, rolloutTargets } from '../../src/train/returns.js';

const close = (actual: ArrayLike<number>, expected: number[], tolerance = 1e-12): void => {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
};

test('n-step returns are computed backwards and bootstrap from the last value', () => {
  const out = new Float64Array(3);
  nStepReturns([1, 0, 2], 3, 10, 0.5, out);
  // R2 = 2 + 0.5*10 = 7; R1 = 0 + 0.5*7 = 3.5; R0 = 1 + 0.5*3.5 = 2.75
  assert.deepEqual([...out], [2.75, 3.5, 7]);
  nStepReturns([1, 0, 2], 3, 0, 0.5, out); // terminal: no bootstrap
  assert.deepEqual([...out], [1.5, 1, 2]);
});

// A 3-step rollout, by hand: rewards (1, 0, 2), values (2, 4, 1), gamma 0.5, lambda 0.5.
const rewards = [1, 0, 2];
const values = [2, 4, 1];

test('GAE advantages on a hand-computed rollout that bootstraps', () => {
  // V(s3) = 6. deltas: d2 = 2 + 0.5*6 - 1 = 4; d1 = 0 + 0.5*1 - 4 = -3.5; d0 = 1 + 0.5*4 - 2 = 1.
  // A2 = 4; A1 = -3.5 + 0.25*4 = -2.5; A0 = 1 + 0.25*(-2.5) = 0.375.
  const out = new Float64Array(3);
  gaeAdvantages(rewards, values, 3, 6, 0.5, 0.5, out);
  assert.deepEqual([...out], [0.375, -2.5, 4]);
});

test('GAE advantages on a hand-computed rollout that ends in a terminal state', () => {
  // V(s3) = 0. d2 = 2 - 1 = 1; d1 = -3.5; d0 = 1. A2 = 1; A1 = -3.5 + 0.25 = -3.25; A0 = 1 - 0.8125 = 0.1875.
  const out = new Float64Array(3);
  gaeAdvantages(rewards, values, 3, 0, 0.5, 0.5, out);
  assert.deepEqual([...out], [0.1875, -3.25, 1]);
});

test('GAE with lambda 1 gives the n-step advantages R - V', () => {
  const r = [0.3, -1, 0, 1];
  const v = [0.5, -0.2, 0.9, 0.1];
  for (const bootstrap of [0, 0.7]) {
    const returns = new Float64Array(4), nStep = new Float64Array(4), gae = new Float64Array(4);
    nStepReturns(r, 4, bootstrap, 0.99, returns);
    nStepAdvantages(returns, v, 4, nStep);
    gaeAdvantages(r, v, 4, bootstrap, 0.99, 1, gae);
    close(gae, [...nStep], 1e-12);
  }
});

test('GAE with lambda 0 gives the one-step TD errors r + gamma V(next) - V', () => {
  const out = new Float64Array(3);
  gaeAdvantages(rewards, values, 3, 6, 0.5, 0, out);
  assert.deepEqual([...out], [1 + 0.5 * 4 - 2, 0 + 0.5 * 1 - 4, 2 + 0.5 * 6 - 1]);
});

test('rollout targets: the critic learns the n-step return whatever lambda, the actor the chosen advantages', () => {
  const returns = new Float64Array(3), advantages = new Float64Array(3);
  rolloutTargets({ rewards, values, count: 3, bootstrapValue: 6, gamma: 0.5, gaeLambda: null }, returns, advantages);
  assert.deepEqual([...returns], [2.25, 2.5, 5]);
  assert.deepEqual([...advantages], [0.25, -1.5, 4]);
  rolloutTargets({ rewards, values, count: 3, bootstrapValue: 6, gamma: 0.5, gaeLambda: 0.5 }, returns, advantages);
  assert.deepEqual([...returns], [2.25, 2.5, 5]);
  assert.deepEqual([...advantages], [0.375, -2.5, 4]);
  // A shorter rollout (ended early) only touches its own steps.
  returns.fill(-9); advantages.fill(-9);
  rolloutTargets({ rewards, values, count: 2, bootstrapValue: 0, gamma: 0.5, gaeLambda: 0.5 }, returns, advantages);
  assert.equal(returns[2], -9);
  assert.equal(advantages[2], -9);
  assert.deepEqual([...returns.subarray(0, 2)], [1, 0]);
});
