import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainConfigSchema } from '../../src/config.js';
import { buildActorCritic, mlpNet } from '../../src/agents/networks.js';
import { defaultRmsProp, scheduledLearningRate } from '../../src/nn/optimizers.js';
import type { OptimizerSettings } from '../../src/nn/kernels/sharedOptimizer.js';
import { getPreset } from '../../src/presets.js';
import { buildTrainConfig, resumedConfig } from '../../src/runConfig.js';
import { UsageError } from '../../src/settings/errors.js';
import { ActorLearner } from '../../src/train/actorLearner.js';
import { Counter, GlobalStore } from '../../src/train/globalStore.js';
import { learningRateAt, optimizerSettings } from '../../src/train/learningRate.js';
import { cartpoleConfig } from '../helpers.js';

test('linear annealing goes from the base rate to 0 over its steps and stays there; constant does not move', () => {
  const linear = { kind: 'linear' as const, steps: 1000 };
  const rates = [0, 250, 500, 999, 1000, 5000].map((s) => scheduledLearningRate(7e-4, linear, s));
  [7e-4, 7e-4 * 0.75, 7e-4 * 0.5, 7e-4 * 0.001, 0, 0].forEach((want, i) => assert.ok(Math.abs(rates[i] - want) < 1e-15, `${rates[i]} vs ${want}`));
  assert.equal(rates[4], 0);
  assert.equal(scheduledLearningRate(7e-4, { kind: 'constant' }, 1e9), 7e-4);
  const config = buildTrainConfig('cartpole', { lrSchedule: 'linear', maxSteps: 2000, optimizer: 'rmsprop' });
  assert.equal(learningRateAt(config, 500), 7e-4 * 0.75);
  assert.equal(learningRateAt(buildTrainConfig('cartpole', { maxSteps: 2000 }), 1500), 1e-3, 'constant by default, the book');
});

/**
 * The step the shared optimizer takes for a gradient of ones, from fresh statistics, with the
 * global step counter at `progress` (as a worker's update, or a resumed run's, finds it).
 */
function stepSize(wasm: boolean, journaled: boolean, settings: OptimizerSettings, progress: number): number {
  const store = GlobalStore.create(8, 1, wasm);
  store.counters[Counter.globalSteps] = progress;
  store.applyGradients(0, new Float32Array(8).fill(1), 1, settings, journaled);
  return -store.params[3];
}

test('the shared optimizer applies the scheduled rate from the global step counter (wasm and js, locked and Hogwild)', () => {
  const rms: OptimizerSettings = { kind: 'rmsprop', ...defaultRmsProp, schedule: { kind: 'linear', steps: 1000 } };
  // RMSProp from zero statistics: g = (1 - alpha) * 1, step = lr / sqrt(g + eps).
  const unit = 1 / Math.sqrt(1 - rms.alpha + rms.epsilon);
  for (const wasm of [true, false]) {
    for (const journaled of [true, false]) {
      for (const [progress, factor] of [[0, 1], [250, 0.75], [600, 0.4], [1000, 0], [3000, 0]]) {
        const got = stepSize(wasm, journaled, rms, progress);
        const want = defaultRmsProp.learningRate * factor * unit;
        assert.ok(Math.abs(got - want) <= 1e-6 * defaultRmsProp.learningRate, `wasm ${wasm}, journaled ${journaled}, step ${progress}: ${got} vs ${want}`);
      }
    }
    // Without a schedule the rate is the same at every step.
    const unscheduled: OptimizerSettings = { ...rms, schedule: undefined };
    assert.equal(stepSize(wasm, true, unscheduled, 900), stepSize(wasm, true, unscheduled, 0));
  }
});

test('an actor-learner on a linear schedule stops moving the weights once its --max-steps are done', () => {
  const config = cartpoleConfig({ seed: 2, kernels: 'js', tMax: 5, maxSteps: 40, lrSchedule: 'linear', optimizer: { kind: 'rmsprop', ...defaultRmsProp } });
  const spec = mlpNet(4, 2, [8]);
  const store = GlobalStore.create(buildActorCritic(spec, 1, undefined, 'js').paramCount, 1, false);
  buildActorCritic(spec, 1, store.params, 'js').initialize(config.seed);
  const net = buildActorCritic(spec, config.tMax + 1, undefined, 'js');
  const learner = new ActorLearner({ rank: 0, seed: 2, config, store, env: getPreset('cartpole').makeEnv(2, config, 'train'), net });
  const moves: number[] = [];
  while (store.counters[Counter.globalSteps] < 60) {
    const before = Float32Array.from(store.params);
    const progress = store.counters[Counter.globalSteps];
    learner.rolloutAndUpdate();
    moves.push(progress, store.params.reduce((m, x, i) => Math.max(m, Math.abs(x - before[i])), 0));
  }
  const progresses = moves.filter((_, k) => k % 2 === 0);
  assert.ok(progresses.some((p) => p < 40) && progresses.some((p) => p >= 40), `updates on both sides of the end: ${progresses}`);
  for (let k = 0; k < moves.length; k += 2) {
    const [progress, moved] = [moves[k], moves[k + 1]];
    if (progress < 40) assert.ok(moved > 0, `update at step ${progress} moved the weights`);
    else assert.equal(moved, 0, `update at step ${progress}, past the schedule's end, moved the weights by ${moved}`);
  }
  assert.equal(optimizerSettings(config).schedule?.kind, 'linear');
});

test('--lr-schedule linear needs --max-steps, is stored, and a resume keeps its end', () => {
  assert.throws(() => buildTrainConfig('cartpole', { lrSchedule: 'linear' }),
    (e: Error) => e instanceof UsageError && /^--lr-schedule linear anneals the learning rate to 0 over --max-steps: give --max-steps N$/.test(e.message));
  const saved = buildTrainConfig('cartpole', { lrSchedule: 'linear', maxSteps: 5000 });
  assert.equal(trainConfigSchema.parse(JSON.parse(JSON.stringify(saved))).lrSchedule, 'linear');
  assert.throws(() => resumedConfig(saved, { maxSteps: 9000 }), { message: /^--max-steps cannot change when resuming this run: its learning rate anneals to 0 over the saved --max-steps 5000/ });
  assert.throws(() => resumedConfig(saved, { lrSchedule: 'constant' }), { message: /^--lr-schedule cannot change when resuming/ });
  assert.equal(resumedConfig(saved, { maxSteps: 5000, workers: 3 }).workers, 3);
  // A constant rate's run may extend its budget; a config.json from before schedules reads as constant.
  assert.equal(resumedConfig(buildTrainConfig('cartpole', { maxSteps: 5000 }), { maxSteps: 9000 }).maxSteps, 9000);
  const { lrSchedule: _s, gaeLambda: _g, ...older } = buildTrainConfig('cartpole', {});
  const parsed = trainConfigSchema.parse(older);
  assert.equal(parsed.lrSchedule, 'constant');
  assert.equal(parsed.gaeLambda, null);
});
