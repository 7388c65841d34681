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
  assert.equal(batchRows(20, 8, false), 168, 'a feed-forward net keeps 8 rounds of 20 rows and acts in 8 more');
  assert.equal(batchRows(20, 8, true), 21, 'a recurrent net replays a rollout and its bootstrap state');
  assert.equal(batchRows(5, 8, true), 8);
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
      config, store, slot: 0, net: buildActorCritic(spec, batchRows(config.tMax, 4, false), undefined, kernels),
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

/** One step a learner took: the state it acted in, its action, the reward, the next state (each state copied). */
interface Transition { state: Float32Array; action: number; reward: number; next: Float32Array; terminated: boolean; truncated: boolean }

/** An environment that keeps what a learner saw and did: states (each copied), actions, rewards, and each step as a transition. */
class RecordingEnv implements Env {
  readonly states: Float32Array[] = [];
  readonly actions: number[] = [];
  readonly rewards: number[] = [];
  readonly transitions: Transition[] = [];
  private current: Float32Array | null = null;
  constructor(private readonly inner: Env) {}
  get observationSpace() { return this.inner.observationSpace; }
  get actionSpace() { return this.inner.actionSpace; }
  reset(options?: { seed?: number }) {
    const result = this.inner.reset(options);
    this.current = Float32Array.from(result.observation);
    this.states.push(this.current);
    return result;
  }
  step(action: number) {
    const result = this.inner.step(action);
    this.actions.push(action);
    this.rewards.push(result.reward);
    const next = Float32Array.from(result.observation);
    this.states.push(next);
    this.transitions.push({ state: this.current!, action, reward: result.reward, next, terminated: result.terminated, truncated: result.truncated });
    this.current = next;
    return result;
  }
  close(): void { this.inner.close(); }
}

/** The A3C gradient of one rollout at `params` (bootstrapped from its last state, or ending in a terminal one), from scratch with the library's pure functions. */
function rolloutGradient(config: TrainConfig, params: Float32Array, states: Float32Array[], actions: number[], rewards: number[], bootstrap: boolean): Float32Array {
  const steps = actions.length;
  const net = buildActorCritic(spec, steps + 1, Float32Array.from(params), 'js');
  states.slice(0, steps + 1).forEach((state, t) => net.input.set(state, t * net.inputSize));
  net.forward(0, steps + 1);
  const stride = net.outputSize;
  const values = Array.from({ length: steps }, (_, t) => net.output[t * stride + stride - 1]);
  const returns = new Float64Array(steps), advantages = new Float64Array(steps);
  rolloutTargets({ rewards, values, count: steps, bootstrapValue: bootstrap ? net.output[steps * stride + stride - 1] : 0, gamma: config.gamma, gaeLambda: config.gaeLambda }, returns, advantages);
  const headGrad = new Float32Array((steps + 1) * stride);
  a3cLoss(net.output, stride - 1, actions, returns, steps, config.entropyCoef, headGrad, new Float64Array(stride - 1), advantages);
  net.backward(headGrad, 0, steps);
  return Float32Array.from(net.grads);
}

test('a batched learner that updates after another one in the same round takes its rollout\'s gradient at the weights it acted with', () => {
  const config = cartpoleConfig({ seed: 6, kernels: 'js', tMax: 8, workers: 3, envsPerThread: 3 });
  const store = freshStore(config);
  const initial = Float32Array.from(store.params);
  const envs = [0, 1, 2].map((i) => new RecordingEnv(getPreset('cartpole').makeEnv(50 + i, config, 'train')));
  const recorders = [0, 1, 2].map(() => gradientRecorder());
  let weightsAtSecond: Float32Array | null = null;
  const second: WorkerFaults = { ...recorders[1], afterBackward: (update, grads, s) => { weightsAtSecond ??= Float32Array.from(s.params); recorders[1].afterBackward(update, grads, s); } };
  const actors = new BatchedActors({
    config, store, slot: 0, net: buildActorCritic(spec, batchRows(config.tMax, 3, false), undefined, 'js'),
    learners: envs.map((env, i) => ({ rank: i, seed: 50 + i, env, faults: i === 1 ? second : recorders[i] })),
  });
  for (let t = 0; t < config.tMax; t++) actors.step();
  assert.deepEqual(recorders.map((r) => r.updatesBefore), [[0], [1], [2]], 'the three rollouts ended with the round and updated in rank order');
  const env = envs[1];
  assert.equal(env.actions.length, config.tMax);
  const atTheGlobalWeights = rolloutGradient(config, weightsAtSecond!, env.states, env.actions, env.rewards, true);
  const atTheRoundsWeights = rolloutGradient(config, initial, env.states, env.actions, env.rewards, true);
  const applied = recorders[1].gradients[0];
  const scale = maxAbs(atTheRoundsWeights);
  assert.ok(maxDifference(weightsAtSecond!, initial) > 1e-4, 'learner 0\'s update moved the global weights');
  assert.ok(maxDifference(applied, atTheRoundsWeights) <= 1e-5 * scale, `applied vs the rollout's gradient at the weights it acted with: ${maxDifference(applied, atTheRoundsWeights)} (entries up to ${scale})`);
  assert.ok(maxDifference(applied, atTheGlobalWeights) > 1e-4 * scale, `not the gradient at the global weights learner 0's update made (${maxDifference(applied, atTheGlobalWeights)})`);
});

test('every update of a batched learner is the gradient of one rollout of its round at the round\'s weights; episode ends cut rounds into rollouts', () => {
  const config = cartpoleConfig({ seed: 3, kernels: 'js', tMax: 5, workers: 2, envsPerThread: 2 });
  const store = freshStore(config);
  const envs = [0, 1].map((i) => new RecordingEnv(getPreset('cartpole').makeEnv(70 + i, config, 'train')));
  const recorders = [0, 1].map(() => gradientRecorder());
  const actors = new BatchedActors({
    config, store, slot: 0, net: buildActorCritic(spec, batchRows(config.tMax, 2, false), undefined, 'js'),
    learners: envs.map((env, i) => ({ rank: i, seed: 70 + i, env, faults: recorders[i] })),
  });
  let rollouts = 0, cut = 0;
  for (let round = 0; round < 12; round++) {
    const weights = Float32Array.from(store.params); // one thread: the round acts with the global weights as it began
    const transitionsBefore = envs.map((env) => env.transitions.length);
    const updatesBefore = recorders.map((r) => r.gradients.length);
    for (let t = 0; t < config.tMax; t++) actors.step();
    envs.forEach((env, i) => {
      const steps = env.transitions.slice(transitionsBefore[i]);
      assert.equal(steps.length, config.tMax, 'each learner steps once per lockstep step');
      const pieces: Transition[][] = [[]];
      for (const transition of steps) {
        pieces[pieces.length - 1].push(transition);
        if (transition.terminated || transition.truncated) pieces.push([]);
      }
      const expected = pieces.filter((piece) => piece.length > 0);
      const applied = recorders[i].gradients.slice(updatesBefore[i]);
      assert.equal(applied.length, expected.length, `round ${round}, learner ${i}: one update per rollout`);
      expected.forEach((piece, r) => {
        const last = piece[piece.length - 1];
        const gradient = rolloutGradient(config, weights, [...piece.map((x) => x.state), last.next], piece.map((x) => x.action), piece.map((x) => x.reward), !last.terminated);
        const scale = maxAbs(gradient);
        assert.ok(maxDifference(applied[r], gradient) <= 1e-5 * Math.max(scale, 1e-3), `round ${round}, learner ${i}, rollout ${r}: ${maxDifference(applied[r], gradient)} (entries up to ${scale})`);
        rollouts++;
        if (piece.length < config.tMax) cut++;
      });
    });
  }
  assert.ok(cut >= 2, `some episodes ended inside a round (${cut} of ${rollouts} rollouts cut)`);
});

test('every batched learner updates the global network at the end of its own rollout, counted with its steps', () => {
  const config = cartpoleConfig({ seed: 2, kernels: 'js', tMax: 5, workers: 3, envsPerThread: 3 });
  const store = freshStore(config);
  const start = Float32Array.from(store.params);
  const recorders = [0, 1, 2].map(() => gradientRecorder());
  const actors = new BatchedActors({
    config, store, slot: 0, net: buildActorCritic(spec, batchRows(config.tMax, 3, false), undefined, 'js'),
    learners: recorders.map((faults, i) => ({ rank: i, seed: 30 + i, env: getPreset('cartpole').makeEnv(30 + i, config, 'train'), faults })),
  });
  for (let i = 0; i < 5; i++) actors.step(); // tMax steps: every learner's rollout ends on this step (unless an episode ended first)
  assert.ok(recorders.every((r) => r.gradients.length >= 1), 'each learner updated');
  assert.equal(store.counters[Counter.updates], recorders.reduce((n, r) => n + r.gradients.length, 0));
  assert.equal(store.counters[Counter.globalSteps], 15, 'three learners, five steps each');
  assert.ok(maxDifference(store.params, start) > 1e-5, 'the global weights moved');
});

const lstmSpec = lstmNet(mlpNet(4, 2, [16]), 8);

/**
 * The gradients of `rollouts` updates of an ActorLearner alone and of the same learner hosted
 * alone by BatchedActors, and the step at which the learner's first episode ended.
 */
function gradientsAloneAndBatched(netSpec: NetworkSpec, config: TrainConfig, rollouts: number): { single: Float32Array[]; batched: Float32Array[]; firstEpisodeSteps: number } {
  const makeStore = () => {
    const store = GlobalStore.create(buildActorCritic(netSpec, 1, undefined, 'js').paramCount, 1, false);
    buildActorCritic(netSpec, 1, store.params, 'js').initialize(config.seed);
    return store;
  };
  const single = gradientRecorder();
  const env = new RecordingEnv(getPreset('cartpole').makeEnv(9, config, 'train'));
  const learner = new ActorLearner({ rank: 0, seed: 9, config, store: makeStore(), env, net: buildActorCritic(netSpec, config.tMax + 1, undefined, 'js'), faults: single });
  for (let i = 0; i < rollouts; i++) learner.rolloutAndUpdate();
  const batched = gradientRecorder();
  const actors = new BatchedActors({
    config, store: makeStore(), slot: 0, net: buildActorCritic(netSpec, batchRows(config.tMax, 1, netSpec.kind === 'lstm'), undefined, 'js'),
    learners: [{ rank: 0, seed: 9, env: getPreset('cartpole').makeEnv(9, config, 'train'), faults: batched }],
  });
  while (batched.gradients.length < rollouts) actors.step();
  const firstEpisodeSteps = env.transitions.findIndex((t) => t.terminated || t.truncated) + 1;
  return { single: single.gradients, batched: batched.gradients, firstEpisodeSteps };
}

for (const [name, netSpec] of [['MLP', spec], ['LSTM', lstmSpec]] as const) {
  test(`one learner hosted by BatchedActors learns as ActorLearner until its first episode ends: the same gradient at every update (${name})`, () => {
    const config = cartpoleConfig({ seed: 8, kernels: 'js', tMax: 5, workers: 1, envsPerThread: 1 });
    const { single, batched, firstEpisodeSteps } = gradientsAloneAndBatched(netSpec, config, 12); // 60 steps: several episodes of the first policy
    assert.ok(firstEpisodeSteps > 0, 'an episode ended');
    // Both cut the rollout where the episode ends; from there ActorLearner starts a rollout of
    // tMax steps and the batched learner finishes its round (the test above checks those).
    const same = Math.ceil(firstEpisodeSteps / config.tMax);
    assert.ok(same >= 2, `updates to compare (${same})`);
    for (let u = 0; u < same; u++) {
      const scale = maxAbs(single[u]);
      assert.ok(maxDifference(batched[u], single[u]) <= 1e-5 * Math.max(scale, 1e-3), `update ${u + 1}: ${maxDifference(batched[u], single[u])} (entries up to ${scale})`);
    }
    assert.ok(maxDifference(single[0], single[same - 1]) > 1e-3 * maxAbs(single[0]), 'the updates differ from one another');
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
    config, store: makeStore(), slot: 0, net: buildActorCritic(lstmSpec, batchRows(config.tMax, 3, true), undefined, 'js'),
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
