import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainConfigSchema } from '../../src/config.js';
import { buildActorCritic, parameterCount } from '../../src/agents/networks.js';
import { Replica } from '../../src/distributed/replica.js';
import { getPreset, networkSpec } from '../../src/presets.js';
import { Counter } from '../../src/train/globalStore.js';
import { sleep } from './loopback.js';

test('a replica counts the whole run\'s steps for its schedule and budget: its own since the last exchange plus the service\'s total', async () => {
  const config = trainConfigSchema.parse({ ...getPreset('cartpole').defaults, env: 'cartpole', workers: 1, seed: 5, kernels: 'js', lrSchedule: 'linear', maxSteps: 10_000_000, targetReturn: null });
  const spec = networkSpec(config, 2);
  const weights = new Float32Array(parameterCount(spec));
  buildActorCritic(spec, 1, weights, 'js').initialize(5);
  const zeros = new Float32Array(weights.length);
  const replica = new Replica({ config, spec, weights, moment1: zeros, moment2: zeros, optimizerStep: 0, globalSteps: 700_000, onGiveUp: (error) => { throw error; } });
  try {
    const store = replica.store;
    assert.equal(store.counters[Counter.stepsElsewhere], 700_000, 'the run\'s steps when the node joined');
    while (store.counters[Counter.globalSteps] < 2000) await sleep(20);
    const sent = await replica.contribution();
    // The service added these steps and another node's 30,000 to its 700,000.
    await replica.merge(weights, 700_000 + sent.steps + 30_000);
    assert.equal(store.counters[Counter.stepsElsewhere], 730_000, 'the service\'s count less the steps of this replica it holds');
    while (store.counters[Counter.globalSteps] < sent.steps + 1000) await sleep(20);
    const next = await replica.contribution();
    assert.ok(next.steps > 0 && sent.steps + next.steps <= store.counters[Counter.globalSteps], `exchanges still carry only this replica's own steps (${next.steps})`);
    assert.ok(store.runSteps >= 730_000 + sent.steps + next.steps);
  } finally {
    replica.stop();
    await replica.exited;
  }
});
