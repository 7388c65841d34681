import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildActorCritic, lstmNet, mlpNet } from '../../src/agents/networks.js';
import type { Layer } from '../../src/nn/layer.js';
import { agentFactory, getPreset, networkSpec } from '../../src/presets.js';
import { ActorLearner } from '../../src/train/actorLearner.js';
import { Counter, GlobalStore } from '../../src/train/globalStore.js';
import { playEpisodes, policyFromWeights, type PolicyMoment } from '../../src/train/evaluate.js';
import { cartpoleConfig } from '../helpers.js';

const spec = lstmNet(mlpNet(2, 2, [8]), 6);
const H = 6;

function setup() {
  const config = cartpoleConfig({ env: 'cartpole-masked', net: 'lstm', tMax: 5, kernels: 'js', seed: 3 });
  const env = getPreset('cartpole-masked').makeEnv(config.seed, config, 'train');
  const paramCount = buildActorCritic(spec, 1, undefined, 'js').paramCount;
  const store = GlobalStore.create(paramCount, 1, false);
  buildActorCritic(spec, 1, store.params, 'js').initialize(config.seed);
  const net = buildActorCritic(spec, config.tMax + 1, undefined, 'js');
  let episodes = 0;
  const learner = new ActorLearner({ rank: 0, seed: config.seed, config, store, env, net, onEpisode: () => { episodes++; } });
  const lstm = net.layers.find((layer) => layer.name === 'lstm') as Layer;
  return { net, store, learner, lstm, episodes: () => episodes };
}

const hOf = (state: Float32Array) => Array.from(state.subarray(0, H));
const row = (layer: Layer, r: number) => Array.from(layer.output.subarray(r * H, (r + 1) * H));

test('the actor-learner carries the LSTM state across rollouts (the bootstrap look-ahead leaves it alone) and resets it when an episode ends', () => {
  const { net, store, learner, lstm, episodes } = setup();
  const state = new Float32Array(net.stateSize);

  learner.rolloutAndUpdate();
  const steps = store.counters[Counter.globalSteps];
  assert.equal(steps, 5, 'the first rollout runs its 5 steps (no CartPole episode ends in 5)');
  net.readState(state);
  assert.deepEqual(hOf(state), row(lstm, steps - 1), 'the state is the last step\'s, not the bootstrap row\'s');
  assert.notDeepEqual(hOf(state), row(lstm, 5), 'the bootstrap row was computed from the same state, one step further');
  const carried = state.slice();

  // The next rollout's first step starts from the carried state: replayed with the weights it
  // was played with, from the carried state it matches, from a fresh one it does not.
  const weights = net.params.slice();
  learner.rolloutAndUpdate();
  const replay = buildActorCritic(spec, 1, weights, 'js');
  replay.input.set(net.input.subarray(0, 2));
  replay.writeState(carried);
  replay.forward(0, 1);
  const replayLstm = replay.layers.find((layer) => layer.name === 'lstm')!;
  assert.deepEqual(row(replayLstm, 0), row(lstm, 0));
  replay.resetState();
  replay.forward(0, 1);
  assert.notDeepEqual(row(replayLstm, 0), row(lstm, 0));

  while (episodes() === 0) learner.rolloutAndUpdate();
  net.readState(state);
  assert.ok(state.every((x) => x === 0), 'a new episode starts from a zero state');
});

test('eval and play reset a recurrent policy at each episode start, and only there', () => {
  const config = cartpoleConfig({ env: 'cartpole-masked', net: 'lstm', kernels: 'js' });
  const { env, policy, net } = policyFromWeights(agentFactory, config, { seed: 4, greedy: true }, (n) => n.initialize(5));
  const moments: PolicyMoment[] = [];
  const zeroAtStart: boolean[] = [];
  const state = new Float32Array(net.stateSize);
  const returns = playEpisodes(env, undefined, { episodes: 2, seed: 4 }, (observation, moment) => {
    moments.push(moment);
    const action = policy(observation, moment);
    if (moment === 'episodeStart') {
      // After a reset and one step from zero, the state is that of one step: replay it.
      const fresh = buildActorCritic(networkSpec(config, 2), 1, net.params.slice(), 'js');
      fresh.input.set(observation);
      fresh.forward(0, 1);
      const expected = new Float32Array(fresh.stateSize);
      fresh.readState(expected);
      net.readState(state);
      zeroAtStart.push(Array.from(state).every((x, i) => x === expected[i]));
    }
    return action;
  });
  assert.equal(returns.length, 2);
  assert.equal(moments.filter((m) => m === 'episodeStart').length, 2);
  assert.equal(moments[0], 'episodeStart');
  assert.equal(moments[returns[0]], 'episodeStart', 'the second episode starts after the first one\'s steps');
  assert.deepEqual(zeroAtStart, [true, true]);
});
