import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrainConfig } from '../../src/config.js';
import type { Env } from '../../src/envs/env.js';
import { a3cLoss } from '../../src/train/a3cLoss.js';
import { rolloutTargets } from '../../src/train/returns.js';
import { buildActorCritic, lstmNet, mlpNet, referenceAtariNet, type NetworkSpec } from '../../src/agents/networks.js';
import { getPreset, networkSpec } from '../../src/presets.js';
import { buildTrainConfig, trainFlagsSchema } from '../../src/cli/trainCommand.js';
import { forEachMetricsRecord } from '../../src/metrics/records.js';
import { train } from '../../src/presetEngine.js';
import { ActorLearner } from '../../src/train/actorLearner.js';
import { BatchedActors, batchRows, threadRanks } from '../../src/train/batchedActors.js';
import { NO_FAULTS, type WorkerFaults } from '../../src/train/faults.js';
import { allFinite, Counter, GlobalStore } from '../../src/train/globalStore.js';
import { chaos } from '../../src/train/chaos.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import type { WorkerFault } from '../../src/train/coordinator.js';
import type { KernelName } from '../../src/nn/kernels/backend.js';
import { Rng } from '../../src/util/rng.js';
import { cartpoleConfig } from '../helpers.js';

const maxAbs = (a: ArrayLike<number>): number => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i])); return m; };
const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>): number => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };

test('threads hold K actor-learners each, the last one fewer; the network has rows for K and for a rollout', () => {
  assert.deepEqual(threadRanks(16, 8), [[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14, 15]]);
  assert.deepEqual(threadRanks(5, 2), [[0, 1], [2, 3], [4]]);
  assert.deepEqual(threadRanks(3, 1), [[0], [1], [2]]);
  assert.deepEqual(threadRanks(2, 8), [[0, 1]]);
  assert.equal(batchRows(20, 8), 21);
  assert.equal(batchRows(5, 8), 8);
});

/** Row by row through a 1-row forward, against one forward over all rows. */
function batchedAgainstSingleRows(spec: NetworkSpec, kernels: KernelName, rows: number): { difference: number; scale: number; rowsDiffer: number } {
  const net = buildActorCritic(spec, rows, undefined, kernels);
  net.initialize(11);
  const rng = new Rng(5);
  const samples = Array.from({ length: rows }, () => Float32Array.from({ length: net.inputSize }, () => rng.uniform(0, 1)));
  samples.forEach((sample, i) => net.input.set(sample, i * net.inputSize));
  net.forward(0, rows);
  const batched = Float32Array.from(net.output.subarray(0, rows * net.outputSize));
  const single = new Float32Array(rows * net.outputSize);
  for (let i = 0; i < rows; i++) {
    net.input.set(samples[i], 0);
    net.forward(0, 1);
    single.set(net.output.subarray(0, net.outputSize), i * net.outputSize);
  }
  const first = batched.subarray(0, net.outputSize), second = batched.subarray(net.outputSize, 2 * net.outputSize);
  return { difference: maxDifference(batched, single), scale: maxAbs(single), rowsDiffer: maxDifference(first, second) };
}

for (const kernels of ['js', 'wasm'] as const) {
  test(`a forward over 4 rows gives each row the values of its own 1-row forward (${kernels} kernels: reference net, CartPole MLP)`, () => {
    for (const spec of [referenceAtariNet(3), mlpNet(4, 2, [64, 64])]) {
      const { difference, scale, rowsDiffer } = batchedAgainstSingleRows(spec, kernels, 4);
      assert.ok(rowsDiffer > 1e-6, `the samples give different outputs (${rowsDiffer})`);
      assert.ok(difference <= 1e-5 * Math.max(1, scale), `batched vs single rows: ${difference} (outputs up to ${scale})`);
    }
  });
}

/**
 * Records the gradient of each update of one actor-learner (the fault hook sees it before it is
 * applied) and how many updates the global network had had by then.
 */
function gradientRecorder(): WorkerFaults & { gradients: Float32Array[]; updatesBefore: number[] } {
  const gradients: Float32Array[] = [], updatesBefore: number[] = [];
  return {
    ...NO_FAULTS, gradients, updatesBefore,
    afterBackward: (_update, grads, store) => { gradients.push(Float32Array.from(grads)); updatesBefore.push(store.counters[Counter.updates]); },
  };
}

const spec = mlpNet(4, 2, [16]);

function freshStore(config: TrainConfig): GlobalStore {
  const paramCount = buildActorCritic(spec, 1, undefined, 'js').paramCount;
  const store = GlobalStore.create(paramCount, 1, false);
  buildActorCritic(spec, 1, store.params, 'js').initialize(config.seed);
  return store;
}

for (const kernels of ['js', 'wasm'] as const) {
  test(`the gradient a batched learner (K = 4) applies for its first rollout is the unbatched learner's (${kernels} kernels)`, () => {
    // tMax 8: no CartPole episode of these seeds ends sooner, so no other learner updates first.
    const config = cartpoleConfig({ seed: 4, kernels, tMax: 8, workers: 4, envsPerThread: 4 });
    const makeEnv = (seed: number) => getPreset('cartpole').makeEnv(seed, config, 'train');

    const single = gradientRecorder();
    const singleStore = freshStore(config);
    const learner = new ActorLearner({ rank: 0, seed: 100, config, store: singleStore, env: makeEnv(100), net: buildActorCritic(spec, config.tMax + 1, undefined, kernels), faults: single });
    learner.rolloutAndUpdate();
    const singleSteps = singleStore.counters[Counter.globalSteps];

    const recorders = [0, 1, 2, 3].map(() => gradientRecorder());
    const store = freshStore(config);
    const actors = new BatchedActors({
      config, store, slot: 0, net: buildActorCritic(spec, batchRows(config.tMax, 4), undefined, kernels),
      learners: recorders.map((faults, i) => ({ rank: i, seed: 100 + 7 * i, env: makeEnv(100 + 7 * i), faults })),
    });
    while (recorders[0].gradients.length === 0) actors.step();
    // Its first update came first (learners whose rollouts end on one step update in rank order), at the weights both started from.
    assert.equal(recorders[0].updatesBefore[0], 0, 'no update before learner 0\'s');
    const batched = recorders[0].gradients[0];
    const expected = single.gradients[0];
    const scale = maxAbs(expected);
    assert.ok(scale > 1e-3, `a gradient to compare (${scale})`);
    assert.ok(maxDifference(batched, expected) <= 1e-5 * scale, `batched vs unbatched gradient: ${maxDifference(batched, expected)} (entries up to ${scale})`);
    assert.equal(singleSteps, config.tMax);
    assert.equal(actors.timings.steps, 4 * config.tMax, 'every learner\'s first rollout ended on this step');
    // Another learner, another rollout: another gradient (the comparison above can fail).
    while (recorders[1].gradients.length === 0) actors.step();
    assert.ok(maxDifference(recorders[1].gradients[0], expected) > 1e-3 * scale, 'learner 1 learns from its own rollout');
  });
}

/** An environment that keeps what a learner saw and did: states (each copied), actions, rewards. */
class RecordingEnv implements Env {
  readonly states: Float32Array[] = [];
  readonly actions: number[] = [];
  readonly rewards: number[] = [];
  constructor(private readonly inner: Env) {}
  get observationSpace() { return this.inner.observationSpace; }
  get actionSpace() { return this.inner.actionSpace; }
  reset(options?: { seed?: number }) {
    const result = this.inner.reset(options);
    this.states.push(Float32Array.from(result.observation));
    return result;
  }
  step(action: number) {
    const result = this.inner.step(action);
    this.actions.push(action);
    this.rewards.push(result.reward);
    this.states.push(Float32Array.from(result.observation));
    return result;
  }
  close(): void { this.inner.close(); }
}

/** The A3C gradient of one bootstrapped rollout at `params`, computed from scratch with the library's pure functions. */
function rolloutGradient(config: TrainConfig, params: Float32Array, states: Float32Array[], actions: number[], rewards: number[]): Float32Array {
  const steps = actions.length;
  const net = buildActorCritic(spec, steps + 1, Float32Array.from(params), 'js');
  states.slice(0, steps + 1).forEach((state, t) => net.input.set(state, t * net.inputSize));
  net.forward(0, steps + 1);
  const stride = net.outputSize;
  const values = Array.from({ length: steps }, (_, t) => net.output[t * stride + stride - 1]);
  const returns = new Float64Array(steps), advantages = new Float64Array(steps);
  rolloutTargets({ rewards, values, count: steps, bootstrapValue: net.output[steps * stride + stride - 1], gamma: config.gamma, gaeLambda: config.gaeLambda }, returns, advantages);
  const headGrad = new Float32Array((steps + 1) * stride);
  a3cLoss(net.output, stride - 1, actions, returns, steps, config.entropyCoef, headGrad, new Float64Array(stride - 1), advantages);
  net.backward(headGrad, 0, steps);
  return Float32Array.from(net.grads);
}

test('a batched learner that updates after another one takes the gradient of its own rollout at the weights that update made', () => {
  const config = cartpoleConfig({ seed: 6, kernels: 'js', tMax: 8, workers: 3, envsPerThread: 3 });
  const store = freshStore(config);
  const initial = Float32Array.from(store.params);
  const envs = [0, 1, 2].map((i) => new RecordingEnv(getPreset('cartpole').makeEnv(50 + i, config, 'train')));
  const recorders = [0, 1, 2].map(() => gradientRecorder());
  let weightsAtSecond: Float32Array | null = null;
  const second: WorkerFaults = { ...recorders[1], afterBackward: (update, grads, s) => { weightsAtSecond ??= Float32Array.from(s.params); recorders[1].afterBackward(update, grads, s); } };
  const actors = new BatchedActors({
    config, store, slot: 0, net: buildActorCritic(spec, batchRows(config.tMax, 3), undefined, 'js'),
    learners: envs.map((env, i) => ({ rank: i, seed: 50 + i, env, faults: i === 1 ? second : recorders[i] })),
  });
  for (let t = 0; t < config.tMax; t++) actors.step();
  assert.deepEqual(recorders.map((r) => r.updatesBefore), [[0], [1], [2]], 'the three rollouts ended together and updated in rank order');
  const env = envs[1];
  assert.equal(env.actions.length, config.tMax);
  const atTheirWeights = rolloutGradient(config, weightsAtSecond!, env.states, env.actions, env.rewards);
  const atTheStart = rolloutGradient(config, initial, env.states, env.actions, env.rewards);
  const applied = recorders[1].gradients[0];
  const scale = maxAbs(atTheirWeights);
  assert.ok(maxDifference(weightsAtSecond!, initial) > 1e-4, 'learner 0\'s update moved the weights');
  assert.ok(maxDifference(applied, atTheirWeights) <= 1e-5 * scale, `applied vs the rollout's gradient at the current weights: ${maxDifference(applied, atTheirWeights)} (entries up to ${scale})`);
  assert.ok(maxDifference(applied, atTheStart) > 1e-4 * scale, `not the gradient at the weights the rollout began with (${maxDifference(applied, atTheStart)})`);
});

test('every batched learner updates the global network at the end of its own rollout, counted with its steps', () => {
  const config = cartpoleConfig({ seed: 2, kernels: 'js', tMax: 5, workers: 3, envsPerThread: 3 });
  const store = freshStore(config);
  const start = Float32Array.from(store.params);
  const recorders = [0, 1, 2].map(() => gradientRecorder());
  const actors = new BatchedActors({
    config, store, slot: 0, net: buildActorCritic(spec, batchRows(config.tMax, 3), undefined, 'js'),
    learners: recorders.map((faults, i) => ({ rank: i, seed: 30 + i, env: getPreset('cartpole').makeEnv(30 + i, config, 'train'), faults })),
  });
  for (let i = 0; i < 5; i++) actors.step(); // tMax steps: every learner's rollout ends on this step (unless an episode ended first)
  assert.ok(recorders.every((r) => r.gradients.length >= 1), 'each learner updated');
  assert.equal(store.counters[Counter.updates], recorders.reduce((n, r) => n + r.gradients.length, 0));
  assert.equal(store.counters[Counter.globalSteps], 15, 'three learners, five steps each');
  assert.ok(maxDifference(store.params, start) > 1e-5, 'the global weights moved');
});

const lstmSpec = lstmNet(mlpNet(4, 2, [16]), 8);

/** Every gradient of `rollouts` updates: an ActorLearner alone, and the same learner hosted alone by BatchedActors. */
function gradientsAloneAndBatched(netSpec: NetworkSpec, config: TrainConfig, rollouts: number): { single: Float32Array[]; batched: Float32Array[] } {
  const makeStore = () => {
    const store = GlobalStore.create(buildActorCritic(netSpec, 1, undefined, 'js').paramCount, 1, false);
    buildActorCritic(netSpec, 1, store.params, 'js').initialize(config.seed);
    return store;
  };
  const single = gradientRecorder();
  const learner = new ActorLearner({ rank: 0, seed: 9, config, store: makeStore(), env: getPreset('cartpole').makeEnv(9, config, 'train'), net: buildActorCritic(netSpec, config.tMax + 1, undefined, 'js'), faults: single });
  for (let i = 0; i < rollouts; i++) learner.rolloutAndUpdate();
  const batched = gradientRecorder();
  const actors = new BatchedActors({
    config, store: makeStore(), slot: 0, net: buildActorCritic(netSpec, batchRows(config.tMax, 1), undefined, 'js'),
    learners: [{ rank: 0, seed: 9, env: getPreset('cartpole').makeEnv(9, config, 'train'), faults: batched }],
  });
  while (batched.gradients.length < rollouts) actors.step();
  return { single: single.gradients, batched: batched.gradients };
}

for (const [name, netSpec] of [['MLP', spec], ['LSTM', lstmSpec]] as const) {
  test(`one learner hosted by BatchedActors learns as ActorLearner: the same gradient at every update, across episodes (${name})`, () => {
    const config = cartpoleConfig({ seed: 8, kernels: 'js', tMax: 5, workers: 1, envsPerThread: 1 });
    const { single, batched } = gradientsAloneAndBatched(netSpec, config, 12); // 60 steps: several episodes of the first policy
    for (let u = 0; u < single.length; u++) {
      const scale = maxAbs(single[u]);
      assert.ok(maxDifference(batched[u], single[u]) <= 1e-5 * Math.max(scale, 1e-3), `update ${u + 1}: ${maxDifference(batched[u], single[u])} (entries up to ${scale})`);
    }
    assert.ok(maxDifference(single[0], single[11]) > 1e-3 * maxAbs(single[0]), 'the updates differ from one another');
  });
}

test('batched LSTM learners each carry their own recurrent state: learner 0\'s first gradient is the unbatched learner\'s', () => {
  const config = cartpoleConfig({ seed: 4, kernels: 'js', tMax: 8, workers: 3, envsPerThread: 3, net: 'lstm' });
  const makeStore = () => {
    const store = GlobalStore.create(buildActorCritic(lstmSpec, 1, undefined, 'js').paramCount, 1, false);
    buildActorCritic(lstmSpec, 1, store.params, 'js').initialize(config.seed);
    return store;
  };
  const single = gradientRecorder();
  new ActorLearner({ rank: 0, seed: 100, config, store: makeStore(), env: getPreset('cartpole').makeEnv(100, config, 'train'), net: buildActorCritic(lstmSpec, config.tMax + 1, undefined, 'js'), faults: single }).rolloutAndUpdate();
  const recorders = [0, 1, 2].map(() => gradientRecorder());
  const actors = new BatchedActors({
    config, store: makeStore(), slot: 0, net: buildActorCritic(lstmSpec, batchRows(config.tMax, 3), undefined, 'js'),
    learners: recorders.map((faults, i) => ({ rank: i, seed: 100 + 7 * i, env: getPreset('cartpole').makeEnv(100 + 7 * i, config, 'train'), faults })),
  });
  while (recorders[0].gradients.length === 0) actors.step();
  assert.equal(recorders[0].updatesBefore[0], 0);
  const scale = maxAbs(single.gradients[0]);
  assert.ok(maxDifference(recorders[0].gradients[0], single.gradients[0]) <= 1e-5 * scale, `batched vs unbatched: ${maxDifference(recorders[0].gradients[0], single.gradients[0])} (entries up to ${scale})`);
});

test('train cartpole --workers 4 --envs-per-thread 2 solves CartPole; every actor-learner plays under its own rank', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-batched-'));
  const config = buildTrainConfig('cartpole', trainFlagsSchema.parse({ workers: 4, envsPerThread: 2, seed: 1, time: 45 }));
  const summary = await train(config, dir);
  assert.equal(summary.stopReason, 'target', `not solved in 45 s: best ${JSON.stringify(summary.best)}`);
  assert.ok(summary.solved!.meanReturn >= 475, `confirmed ${summary.solved!.meanReturn}`);
  const saved = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as TrainConfig;
  assert.equal(saved.envsPerThread, 2);
  assert.equal(saved.workers, 4);
  const workers = new Set<number>();
  forEachMetricsRecord(join(dir, 'metrics.jsonl'), (r) => { if (r.kind === 'episode') workers.add(r.worker!); });
  assert.deepEqual([...workers].sort(), [0, 1, 2, 3]);
  assert.ok(summary.timings.steps > 0 && summary.timings.forwardMs > 0 && summary.timings.updateMs > 0, JSON.stringify(summary.timings));
  console.log(`batched CartPole (4 learners, 2 per thread, seed 1): solved in ${summary.solved!.seconds.toFixed(1)} s at step ${summary.solved!.weightsStep}`);
});

test('train cartpole-masked --net lstm --workers 3 --envs-per-thread 2 runs its budget with every learner\'s episodes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-batched-lstm-'));
  const config = buildTrainConfig('cartpole-masked', trainFlagsSchema.parse({ net: 'lstm', workers: 3, envsPerThread: 2, seed: 1, steps: 4000, targetReturn: 'none', evalEvery: 0 }));
  const summary = await train(config, dir);
  assert.equal(summary.stopReason, 'steps');
  const workers = new Set<number>();
  forEachMetricsRecord(join(dir, 'metrics.jsonl'), (r) => { if (r.kind === 'episode') workers.add(r.worker!); });
  assert.deepEqual([...workers].sort(), [0, 1, 2]);
});

test('batched threads survive the chaos faults: a crash restarts the thread, an update cut off is completed, NaN gradients are skipped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-batched-chaos-'));
  const faults: WorkerFault[] = [];
  const config = buildTrainConfig('cartpole', trainFlagsSchema.parse({ workers: 4, envsPerThread: 2, seed: 3, steps: 60_000, targetReturn: 'none' }));
  const summary = await train(config, dir, {
    faults: chaos({ crash: 0.004, exitInUpdate: 0.004, nanGradient: 0.02, seed: 5 }), maxRestarts: 1000,
    onWorkerFault: (f) => faults.push(f),
  });
  assert.equal(summary.stopReason, 'steps');
  assert.ok(faults.length >= 2, `faults: ${faults.length}`);
  assert.ok(faults.every((f) => / \(the thread of actor-learners (0-1|2-3)\)$/.test(f.cause) && (f.rank === 0 || f.rank === 2)), faults.map((f) => `${f.rank}: ${f.cause}`).join('; '));
  assert.ok(faults.some((f) => f.recovery === 'completed-update'), 'some thread died inside an update');
  assert.ok(faults.some((f) => /injected fault: actor-learner \d crashed/.test(f.cause)), 'the learner that crashed is named');
  assert.ok(summary.skippedUpdates > 0, 'NaN gradients were skipped');
  const ckpt = readCheckpoint(summary.checkpointPath, (c) => buildActorCritic(networkSpec(c, 2), 1, undefined, 'js').tensors());
  assert.ok(allFinite(ckpt.params) && allFinite(ckpt.moment1) && allFinite(ckpt.moment2));
});
