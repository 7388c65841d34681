import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { arenaBytes, buildActorCritic, parameterCount } from '../../src/agents/networks.js';
import { buildTrainConfig, trainFlagsSchema } from '../../src/cli/trainCommand.js';
import { networkSpec } from '../../src/presets.js';
import { gradientSlots } from '../../src/train/coordinator.js';
import { Counter, GlobalStore } from '../../src/train/globalStore.js';

const once = (worker: Worker, what: string): Promise<unknown> => new Promise((resolve, reject) => {
  worker.once('message', resolve);
  worker.once('error', reject);
  worker.once('exit', (code) => reject(new Error(`${what}: the worker exited with code ${code}`)));
});

for (const kernels of ['wasm', 'js'] as const) {
  test(`Hogwild updates take no lock: with the lock held by the main thread, two workers update the global network and count everything (${kernels} kernels)`, async () => {
    const config = buildTrainConfig('cartpole', trainFlagsSchema.parse({ workers: 2, seed: 3, hogwild: true, kernels, targetReturn: 'none' }));
    const spec = networkSpec(config, 2);
    const wasm = kernels === 'wasm';
    const store = GlobalStore.create(parameterCount(spec), gradientSlots(config, GlobalStore.arenasAvailable(wasm)), wasm, { count: 2, bytes: arenaBytes(spec, config.tMax + 1) });
    if (wasm) assert.equal(store.buffers.slots, 0, 'no gradient slots where the networks lie in arenas');
    buildActorCritic(spec, 1, store.params, 'js').initialize(config.seed);
    const initial = store.params.slice();
    const rollouts = 150;
    const workers = [0, 1].map((rank) => new Worker(new URL('./fixtures/hogwildLearner.js', import.meta.url), { workerData: { config, buffers: store.buffers, rank, rollouts } }));
    try {
      await Promise.all(workers.map((w) => once(w, 'start-up')));
      store.lock(); // held until the workers are done: a worker that asked for it would wait forever
      workers.forEach((w) => w.postMessage('go'));
      let timer: NodeJS.Timeout | undefined;
      const blocked = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('the Hogwild workers did not finish within 60 s: they wait for the lock')), 60_000); });
      const results = await Promise.race([Promise.all(workers.map((w) => once(w, 'rollouts'))), blocked]) as { steps: number; updates: number; episodes: number }[];
      clearTimeout(timer);
      const c = store.counters;
      assert.equal(c[Counter.updates] + c[Counter.skippedUpdates], 2 * rollouts, 'every update counted');
      assert.equal(c[Counter.optimizerStep], c[Counter.updates], 'one optimizer step per applied update');
      assert.equal(c[Counter.globalSteps], results[0].steps + results[1].steps, 'every step counted');
      assert.equal(c[Counter.episodes], results[0].episodes + results[1].episodes, 'every episode counted');
      assert.ok(c[Counter.episodes] > 10, `episodes: ${c[Counter.episodes]}`);
      let changed = 0;
      for (let i = 0; i < initial.length; i++) if (store.params[i] !== initial[i]) changed++;
      assert.ok(changed > initial.length / 2, `the global weights moved (${changed} of ${initial.length})`);
    } finally {
      store.unlock();
      await Promise.all(workers.map((w) => w.terminate()));
    }
  });
}

test('counters advanced by two threads at once lose no increment', async () => {
  const store = GlobalStore.create(16, 1, false);
  const times = 300_000;
  const start = new SharedArrayBuffer(4);
  const workers = [0, 1].map((rank) => new Worker(new URL('./fixtures/counterHammer.js', import.meta.url), { workerData: { buffers: store.buffers, rank, times, start } }));
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
  assert.equal(store.counters[Counter.updates], 2 * times);
  assert.equal(store.counters[Counter.scoreMax], (times - 1) * 2 + 1);
});

test('gradient slots: none with arenas; one per worker for Hogwild and one for locked updates without', () => {
  assert.equal(gradientSlots({ hogwild: true, workers: 16 }, true), 0);
  assert.equal(gradientSlots({ hogwild: false, workers: 16 }, true), 0);
  assert.equal(gradientSlots({ hogwild: true, workers: 16 }, false), 16);
  assert.equal(gradientSlots({ hogwild: false, workers: 16 }, false), 1);
});
