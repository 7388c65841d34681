import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrainConfig } from '../../src/config.js';
import type { BoxSpace, DiscreteSpace, Env, ResetResult, StepResult } from '../../src/envs/env.js';
import { arenaBytes, buildActorCritic, mlpNet, type NetworkSpec } from '../../src/agents/networks.js';
import { getPreset } from '../../src/presets.js';
import { ActorLearner } from '../../src/train/actorLearner.js';
import { createWorkerFaults, type FaultPlan } from '../../src/train/chaos.js';
import { Counter, GlobalStore } from '../../src/train/globalStore.js';
import { EpisodicLife } from '../../src/wrappers/atari.js';
import { cartpoleConfig } from '../helpers.js';

const spec: NetworkSpec = mlpNet(4, 2, [8]);
const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const sameBits = (a: Float32Array, b: Float32Array) => bytesOf(a).equals(bytesOf(b));

/**
 * One actor-learner on the global store it updates, as a worker builds it: with the wasm
 * kernels its network lives in its arena of the store's shared memory, with 'js' on the heap.
 */
function setup(config: TrainConfig, env: Env = getPreset('cartpole').makeEnv(config.seed, config, 'train'), options: { actionAfterLifeLoss?: number; faults?: FaultPlan; headBias?: number[] } = {}) {
  const wasm = config.kernels === 'wasm';
  const paramCount = buildActorCritic(spec, 1, undefined, 'js').paramCount;
  const store = GlobalStore.create(paramCount, config.hogwild ? config.workers : 1, wasm, wasm ? { count: 1, bytes: arenaBytes(spec, config.tMax + 1) } : undefined);
  const global = buildActorCritic(spec, 1, store.params, 'js');
  global.initialize(config.seed);
  options.headBias?.forEach((b, i) => { store.params[paramCount - options.headBias!.length + i] = b; });
  const net = buildActorCritic(spec, config.tMax + 1, undefined, config.kernels, store.arenaRegion(0));
  const learner = new ActorLearner({ rank: 0, seed: config.seed, config, store, env, net, actionAfterLifeLoss: options.actionAfterLifeLoss, faults: options.faults && createWorkerFaults(options.faults, 0, config.seed) });
  return { store, net, learner };
}

/** Constant observation, no reward, 3 lives: a life is lost every 3 steps; records the actions it gets. */
class ThreeLives implements Env {
  readonly observationSpace: BoxSpace = { kind: 'box', shape: [4], low: 0, high: 1 };
  readonly actionSpace: DiscreteSpace = { kind: 'discrete', n: 2 };
  readonly actions: number[] = [];
  readonly lifeLostAt: number[] = [];
  private readonly observation = Float32Array.from([0.5, -0.25, 0.75, 0.1]);
  private t = 0;
  reset(): ResetResult<Float32Array> { this.t = 0; return { observation: this.observation, info: { lives: 3 } }; }
  step(action: number): StepResult<Float32Array> {
    this.actions.push(action);
    this.t++;
    const lives = 3 - Math.floor(this.t / 3);
    if (lives < 3 - Math.floor((this.t - 1) / 3) && lives > 0) this.lifeLostAt.push(this.actions.length - 1);
    return { observation: this.observation, reward: 0, terminated: lives === 0, truncated: false, info: { lives } };
  }
  close(): void {}
}

test('the step after a lost life takes the forced action, once, whatever the policy prefers', () => {
  const env = new ThreeLives();
  // Head biases: logits (-15, +15) make action 1 all but certain; the forced action is 0.
  const { learner, store } = setup(cartpoleConfig({ seed: 5, kernels: 'js' }), new EpisodicLife(env), { actionAfterLifeLoss: 0, headBias: [-15, 15, 0] });
  for (let i = 0; i < 8; i++) learner.rolloutAndUpdate();
  assert.ok(env.lifeLostAt.length >= 4, `lives lost at ${env.lifeLostAt}`);
  const forced = new Set(env.lifeLostAt.map((t) => t + 1).filter((t) => t < env.actions.length));
  for (let t = 0; t < env.actions.length; t++) {
    assert.equal(env.actions[t], forced.has(t) ? 0 : 1, `step ${t} (lives lost at steps ${env.lifeLostAt}): actions ${env.actions.join('')}`);
  }
  assert.equal(store.counters[Counter.updates], 8, 'each lost life ended a rollout and made an update');
});

test('without a forced action the policy acts after a lost life too', () => {
  const env = new ThreeLives();
  const { learner } = setup(cartpoleConfig({ seed: 5, kernels: 'js' }), new EpisodicLife(env), { headBias: [-15, 15, 0] });
  for (let i = 0; i < 4; i++) learner.rolloutAndUpdate();
  assert.ok(env.actions.every((a) => a === 1), env.actions.join(''));
});

for (const kernels of ['js', 'wasm'] as const) {
  for (const optimizer of ['adam', 'rmsprop'] as const) {
    test(`after every locked update the local weights equal the global ones bit for bit (${kernels} kernels, ${optimizer})`, () => {
      const config = cartpoleConfig({ seed: 3, kernels, optimizer: getPreset('cartpole').defaults.optimizer });
      if (optimizer === 'rmsprop') config.optimizer = { kind: 'rmsprop', learningRate: 1e-2, alpha: 0.99, epsilon: 0.1 };
      const { store, net, learner } = setup(config);
      const initial = store.params.slice();
      for (let update = 1; update <= 5; update++) {
        learner.rolloutAndUpdate();
        assert.equal(store.counters[Counter.updates], update);
        assert.ok(sameBits(net.params, store.params), `update ${update}: local differs from global`);
      }
      assert.ok(!sameBits(store.params, initial), 'the updates changed the global weights');
    });
  }
}

for (const kernels of ['js', 'wasm'] as const) {
  test(`after a Hogwild update the local weights are refreshed from the global ones, others' changes included (${kernels} kernels)`, () => {
    const { store, net, learner } = setup(cartpoleConfig({ seed: 6, kernels, hogwild: true, workers: 1 }));
    for (let update = 1; update <= 4; update++) {
      store.locked(() => { for (let i = 0; i < store.params.length; i += 3) store.params[i] += 1e-3; }); // another worker's update
      const before = store.params.slice();
      learner.rolloutAndUpdate();
      assert.equal(store.counters[Counter.updates], update);
      assert.ok(!sameBits(store.params, before), 'the Hogwild update changed the global weights');
      assert.ok(sameBits(net.params, store.params), `update ${update}: local differs from global`);
    }
  });

  test(`after a skipped (non-finite) update the local weights still take the others' changes (${kernels} kernels)`, () => {
    for (const hogwild of [false, true]) {
      const { store, net, learner } = setup(cartpoleConfig({ seed: 7, kernels, hogwild }), undefined, { faults: { nanGradient: 1, seed: 2 } });
      for (let update = 1; update <= 3; update++) {
        store.locked(() => { for (let i = 0; i < store.params.length; i += 2) store.params[i] -= 2e-3; });
        const before = store.params.slice();
        learner.rolloutAndUpdate();
        assert.equal(store.counters[Counter.skippedUpdates], update, 'the NaN gradient was skipped');
        assert.equal(store.counters[Counter.updates], 0);
        assert.ok(sameBits(store.params, before), 'a skipped update leaves the global weights alone');
        assert.ok(sameBits(net.params, store.params), `hogwild ${hogwild}, update ${update}: local differs from global`);
      }
    }
  });
}

for (const kernels of ['js', 'wasm'] as const) {
  test(`the actor-learner clips its gradient to clipNorm before the optimizer step (${kernels} kernels, RMSProp worked by hand)`, () => {
    for (const clipNorm of [1e-3, 1e9]) {
      const lr = 1, alpha = 0.99, epsilon = 0.1;
      const config = cartpoleConfig({ seed: 9, kernels, clipNorm, optimizer: { kind: 'rmsprop', learningRate: lr, alpha, epsilon } });
      const { store, net, learner } = setup(config);
      const before = store.params.slice();
      learner.rolloutAndUpdate();
      // net.grads still holds the raw gradient: the clip is folded into the optimizer's pass.
      let sum = 0;
      for (const g of net.grads) sum += g * g;
      const norm = Math.sqrt(sum);
      const scale = norm > clipNorm ? clipNorm / norm : 1;
      if (clipNorm < 1) assert.ok(norm > 100 * clipNorm, `gradient norm ${norm} must be well above the clip`);
      let worst = 0, moved = 0;
      for (let i = 0; i < before.length; i++) {
        const g = net.grads[i] * scale;
        const expected = -lr * g / Math.sqrt((1 - alpha) * g * g + epsilon); // first step: the average starts at 0
        const actual = store.params[i] - before[i];
        const error = Math.abs(actual - expected) / (1e-3 * Math.abs(expected) + 2e-7 * (Math.abs(before[i]) + 1));
        worst = Math.max(worst, error);
        moved += Math.abs(actual);
      }
      assert.ok(worst <= 1, `clipNorm ${clipNorm}: the update is not RMSProp of the gradient scaled by ${scale} (worst error ${worst.toFixed(1)} tolerances)`);
      assert.ok(moved > 0, 'the weights moved');
    }
  });
}
