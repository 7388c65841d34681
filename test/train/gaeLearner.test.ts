import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrainConfig } from '../../src/config.js';
import { buildActorCritic, mlpNet } from '../../src/agents/networks.js';
import { getPreset } from '../../src/presets.js';
import { ActorLearner } from '../../src/train/actorLearner.js';
import { GlobalStore } from '../../src/train/globalStore.js';
import { cartpoleConfig } from '../helpers.js';

const spec = mlpNet(4, 2, [8]);

/** The global weights after `updates` updates of one actor-learner on CartPole (js kernels, same seed). */
function weightsAfter(config: TrainConfig, updates: number): Float32Array {
  const paramCount = buildActorCritic(spec, 1, undefined, 'js').paramCount;
  const store = GlobalStore.create(paramCount, 1, false);
  buildActorCritic(spec, 1, store.params, 'js').initialize(config.seed);
  const net = buildActorCritic(spec, config.tMax + 1, undefined, 'js');
  const env = getPreset('cartpole').makeEnv(config.seed, config, 'train');
  const learner = new ActorLearner({ rank: 0, seed: config.seed, config, store, env, net });
  for (let i = 0; i < updates; i++) learner.rolloutAndUpdate();
  return Float32Array.from(store.params);
}

const maxDifference = (a: Float32Array, b: Float32Array): number => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

test('an actor-learner with GAE lambda 1 learns as with n-step advantages; lambda 0 learns otherwise', () => {
  const base = { seed: 3, kernels: 'js' as const, tMax: 5 };
  const nStep = weightsAfter(cartpoleConfig({ ...base, gaeLambda: null }), 6);
  const lambdaOne = weightsAfter(cartpoleConfig({ ...base, gaeLambda: 1 }), 6);
  const lambdaZero = weightsAfter(cartpoleConfig({ ...base, gaeLambda: 0 }), 6);
  const start = weightsAfter(cartpoleConfig(base), 0);
  const moved = maxDifference(nStep, start);
  assert.ok(moved > 1e-4, `the updates moved the weights (${moved})`);
  // Same sums, added in another order: equal up to float rounding.
  assert.ok(maxDifference(lambdaOne, nStep) < 1e-6 * Math.max(1, moved) + 1e-7, `lambda 1 vs n-step: ${maxDifference(lambdaOne, nStep)}`);
  assert.ok(maxDifference(lambdaZero, nStep) > 100 * maxDifference(lambdaOne, nStep), `lambda 0 differs: ${maxDifference(lambdaZero, nStep)}`);
});
