import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EpisodeRecord } from '../../src/train/actorLearner.js';
import type { CheckpointState } from '../../src/train/checkpoint.js';
import { Counter } from '../../src/train/globalStore.js';
import { RunMonitor, type RunBudgets, type StopReason } from '../../src/train/runMonitor.js';

const none: RunBudgets = { maxSteps: null, maxSeconds: null, targetReturn: null };

function monitor(budgets: Partial<RunBudgets>, resumed?: CheckpointState) {
  const counters = new Float64Array(16);
  const stops: StopReason[] = [];
  const m = new RunMonitor(counters, { ...none, ...budgets }, resumed, (reason) => stops.push(reason), 1000);
  return { m, counters, stops };
}

const episode = (n: number, ret: number, step = n * 10): EpisodeRecord => ({
  worker: 0, episode: n, step, return: ret, length: 10, meanMaxProb: 0.5, policyGradientLoss: 0, valueLoss: 0, entropy: 0, scoreAverage: ret, scoreMax: ret,
});

test('the time budget counts this invocation\'s seconds and stops once', () => {
  const { m, stops } = monitor({ maxSeconds: 2 });
  m.checkBudgets(1000 + 1999);
  assert.equal(m.stopping, false);
  m.checkBudgets(1000 + 2000);
  m.checkBudgets(1000 + 2500);
  assert.deepEqual(stops, ['time']);
  assert.equal(m.stopReason, 'time');
});

test('the step budget reads the shared step counter', () => {
  const { m, counters, stops } = monitor({ maxSteps: 100 });
  counters[Counter.globalSteps] = 99;
  m.checkBudgets(1001);
  assert.equal(m.stopping, false);
  counters[Counter.globalSteps] = 120;
  m.checkBudgets(1002);
  assert.deepEqual(stops, ['steps']);
});

// Issue 13: training returns at the target decide nothing (the policy may collapse before it is
// saved); the evaluator's confirmation on the saved weights does (test/train/evaluator.test.ts).
test('training episodes at the target do not stop the run; the evaluator\'s confirmation does, naming the weights', () => {
  const { m, counters, stops } = monitor({ targetReturn: 475 });
  let p = m.progress(2000);
  for (let n = 1; n <= 150; n++) p = m.episode(episode(n, 500), 2000);
  assert.equal(p.meanReturn100, 500);
  assert.equal(m.stopping, false);
  assert.equal(m.solved, null);
  counters[Counter.globalSteps] = 4321;
  const weights = { weightsPath: 'run/best.safetensors', weightsStep: 4000, meanReturn: 490, episodes: 50 };
  m.solve(weights, 3000);
  m.solve({ ...weights, weightsStep: 4300 }, 3500);
  assert.deepEqual(stops, ['target']);
  assert.deepEqual(m.solved, { seconds: 2, steps: 4321, ...weights }, 'the first confirmation is kept');
});

test('without a target return a confirmation stops nothing', () => {
  const { m } = monitor({});
  m.solve({ weightsPath: 'run/best.safetensors', weightsStep: 1, meanReturn: 500, episodes: 50 }, 2000);
  assert.equal(m.stopping, false);
  assert.equal(m.solved, null);
});

test('the first stop decision wins; nothing decided reads as interrupted', () => {
  const { m, stops } = monitor({ maxSeconds: 1 });
  assert.equal(m.stopReason, 'interrupted');
  m.stop('interrupted');
  m.checkBudgets(10_000);
  assert.deepEqual(stops, ['interrupted']);
  assert.equal(m.stopReason, 'interrupted');
});

test('a failure stops the run as interrupted and is kept (the first one)', () => {
  const { m, stops } = monitor({});
  m.fail(new Error('worker 0 crashed 5 times'));
  m.fail(new Error('later'));
  m.failNumerically('non-finite');
  assert.deepEqual(stops, ['interrupted']);
  assert.equal(m.failure?.message, 'worker 0 crashed 5 times');
  assert.equal(m.numericFault, 'non-finite');
});

test('a resumed run restores its counters and curve; its checkpoint state continues them', () => {
  const resumed: CheckpointState = {
    globalSteps: 5000, episodes: 40, updates: 300, skippedUpdates: 2, optimizerStep: 300, scoreAverage: 21.5, scoreMax: 60,
    workerRestarts: 1, seconds: 12.5, segment: 2, recentReturns: [10, 20, 30],
  };
  const { m, counters } = monitor({}, resumed);
  assert.equal(counters[Counter.globalSteps], 5000);
  assert.equal(counters[Counter.optimizerStep], 300);
  assert.equal(counters[Counter.workerRestarts], 1);
  assert.equal(m.segment, 3);
  assert.equal(m.episodesReceived, 40);
  assert.equal(m.progress(1000).meanReturn100, 20);
  m.episode(episode(41, 40), 3000);
  counters[Counter.globalSteps] = 5200;
  counters[Counter.episodes] = 41;
  m.countWorkerFault();
  const state = m.checkpointState(Float64Array.from(counters), 3000);
  assert.deepEqual(state, { ...resumed, globalSteps: 5200, episodes: 41, workerRestarts: 2, seconds: 14.5, segment: 3, recentReturns: [10, 20, 30, 40] });
  const p = m.progress(3000);
  assert.equal(p.seconds, 14.5);
  assert.equal(p.sessionSeconds, 2);
  assert.equal(p.stepsPerSecond, 100, 'steps of this invocation only');
});

test('divergence: more than 90% of at least 100 updates of this invocation skipped', () => {
  const at = (updates: number, skipped: number, resumed?: CheckpointState) => {
    const { m, counters } = monitor({}, resumed);
    counters[Counter.updates] += updates;
    counters[Counter.skippedUpdates] += skipped;
    return m.divergence();
  };
  assert.equal(at(4, 95), null, 'under 100 updates');
  assert.equal(at(10, 90), null, 'exactly 90%');
  assert.equal(at(9, 91), 'training diverged: 91 of 100 updates skipped (non-finite gradients); try a smaller --lr');
  const badPast: CheckpointState = {
    globalSteps: 0, episodes: 0, updates: 1, skippedUpdates: 5000, optimizerStep: 1, scoreAverage: 0, scoreMax: 0,
    workerRestarts: 0, seconds: 1, segment: 1, recentReturns: [],
  };
  assert.equal(at(200, 0, badPast), null, 'updates skipped before the resume do not count');
});

test('the scalar record gives speeds since the previous record', () => {
  const { m, counters } = monitor({});
  counters[Counter.globalSteps] = 500;
  counters[Counter.updates] = 25;
  const first = m.scalars(1000 + 5000, 1e-4);
  assert.equal(first.step, 500);
  assert.equal(first.values['perf/steps_per_second'], 100);
  assert.equal(first.values['perf/updates_per_second'], 5);
  assert.equal(first.values['charts/learning_rate'], 1e-4);
  counters[Counter.globalSteps] = 700;
  assert.equal(m.scalars(1000 + 7000, 1e-4).values['perf/steps_per_second'], 100);
});
