import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { buildActorCritic } from '../../src/agents/networks.js';
import { buildTrainConfig, trainFlagsSchema } from '../../src/cli/trainCommand.js';
import { assignTensors, loadSafetensors } from '../../src/io/safetensors.js';
import { adamStep, defaultAdam } from '../../src/nn/optimizers.js';
import { Rng } from '../../src/util/rng.js';
import { networkSpec } from '../../src/presets.js';
import { listCheckpoints, readCheckpoint } from '../../src/train/checkpoint.js';
import { chaos } from '../../src/train/chaos.js';
import { train } from '../../src/presetEngine.js';
import { MAX_RESTARTS, type WorkerFault } from '../../src/train/coordinator.js';
import { allFinite, Counter, GlobalStore, UPDATE_CHUNK } from '../../src/train/globalStore.js';
import { randomArray } from '../helpers.js';

const adam = { kind: 'adam' as const, ...defaultAdam, learningRate: 1e-2 };
const config = (overrides: Record<string, unknown>) => buildTrainConfig('cartpole', trainFlagsSchema.parse({ targetReturn: 'none', ...overrides }));
const layoutFor = (c: Parameters<typeof networkSpec>[0]) => buildActorCritic(networkSpec(c, 2), 1, undefined, 'js').tensors();

function dieInWorker(store: GlobalStore, grads: Float32Array, exitAfterChunks: number, inArena = false): Promise<number> {
  const worker = new Worker(new URL('./fixtures/dyingUpdater.js', import.meta.url), {
    workerData: { buffers: store.buffers, grads, gradScale: 0.5, optimizer: adam, exitAfterChunks, inArena },
  });
  return new Promise((resolve) => worker.on('exit', resolve));
}

for (const [wasm, inArena] of [[true, false], [true, true], [false, false]]) {
  const where = inArena ? ', gradient read in place from the worker\'s arena' : ', gradient copied into a slot';
  test(`an update cut off by a dying worker is completed from the journal (${wasm ? 'wasm' : 'TypeScript'} optimizer${where})`, async () => {
    const n = 3 * UPDATE_CHUNK + 123;
    const rng = new Rng(5);
    const store = GlobalStore.create(n, 1, wasm, { count: 1, bytes: 4 * n });
    store.params.set(randomArray(n, rng));
    store.moment1.set(randomArray(n, rng, 0.1));
    store.moment2.set(randomArray(n, rng, 0.1).map(Math.abs));
    store.counters[Counter.optimizerStep] = 7;
    const expected = { p: store.params.slice(), m: store.moment1.slice(), v: store.moment2.slice() };
    const grads = randomArray(n, rng);
    adamStep(expected.p, grads, expected.m, expected.v, 8, adam, 0.5);

    assert.equal(await dieInWorker(store, grads, 2, inArena), 70, 'the worker died mid-update');
    const slot = new Float32Array(store.buffers.memory?.buffer ?? store.buffers.floats!, 3 * n * 4, n);
    assert.equal(slot.some((x) => x !== 0), !inArena, inArena ? 'the gradient was not copied into the slot' : 'the gradient was copied into the slot');
    const halfway = store.params.slice();
    let changed = 0;
    for (let i = 0; i < n; i++) if (halfway[i] !== expected.p[i]) changed++;
    assert.ok(changed > UPDATE_CHUNK && changed < n, `the dead worker left a half-applied update (${changed} of ${n} not final)`);

    assert.equal(store.recoverFrom(0, adam), 'completed-update');
    let maxDiff = 0;
    for (let i = 0; i < n; i++) maxDiff = Math.max(maxDiff, Math.abs(store.params[i] - expected.p[i]), Math.abs(store.moment2[i] - expected.v[i]));
    assert.ok(maxDiff < 1e-6, `after recovery the update is whole: max difference ${maxDiff}`);
    assert.equal(store.counters[Counter.optimizerStep], 8);
    assert.equal(store.locked(() => 'free'), 'free', 'the lock was released');
  });
}

test('a worker that dies holding the lock outside an update only has its lock released', async () => {
  const store = GlobalStore.create(100, 1, true);
  const before = store.params.slice();
  assert.equal(await dieInWorker(store, new Float32Array(100), -1), 3);
  assert.equal(store.recoverFrom(1, adam), 'none', 'rank 1 does not hold it');
  assert.equal(store.recoverFrom(0, adam), 'released');
  assert.deepEqual(store.params, before);
  assert.equal(store.locked(() => 'free'), 'free');
});

test('crashing workers are restarted and NaN gradients skipped; training completes with finite weights', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-chaos-'));
  const faults: WorkerFault[] = [];
  const summary = await train(config({ workers: 2, seed: 1, steps: 120_000 }), dir, {
    faults: chaos({ crash: 0.004, exitInUpdate: 0.004, nanGradient: 0.02, seed: 3 }),
    maxRestarts: 1000, // this test is about surviving faults; the next one about the limit
    onWorkerFault: (f) => faults.push(f),
  });
  assert.equal(summary.stopReason, 'steps');
  assert.ok(faults.length >= 3, `faults: ${faults.length}`);
  // A worker that crashes after the step budget stopped the run is not restarted; all others are.
  assert.ok(faults.filter((f) => !f.restarting).length <= 2, 'faults before the stop were restarted');
  assert.ok(faults.some((f) => f.recovery === 'completed-update'), 'some worker died inside an update');
  assert.ok(faults.some((f) => /injected fault: actor-learner \d crashed/.test(f.cause)), 'the cause is reported');
  assert.equal(summary.workerRestarts, faults.length);
  assert.ok(summary.skippedUpdates > 0, 'NaN gradients were skipped');
  const ckpt = readCheckpoint(summary.checkpointPath, layoutFor);
  assert.ok(allFinite(ckpt.params) && allFinite(ckpt.moment1) && allFinite(ckpt.moment2));
  assert.equal(ckpt.state.workerRestarts, faults.length);
});

test('a worker that keeps crashing stops the run with a clear message', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-crashloop-'));
  await assert.rejects(train(config({ workers: 1, seed: 1 }), dir, { faults: chaos({ crash: 1 }) }), new RegExp(`worker 0 crashed ${MAX_RESTARTS} times within 60 s; last cause: injected fault`));
});

test('non-finite global weights stop training; no checkpoint holds them and model.safetensors is the last good one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-nan-'));
  await assert.rejects(
    train(config({ workers: 1, seed: 2, checkpointEvery: 0.2 }), dir, { faults: chaos({ corruptWeightsAtUpdate: 4000 }) }),
    /global (weights|network) became non-finite by step \d+; nothing was saved after it: model.safetensors holds the weights of the last good checkpoint .*ckpt-\d+\.safetensors/,
  );
  const files = listCheckpoints(dir);
  assert.ok(files.length > 0);
  for (const file of files) assert.ok(allFinite(readCheckpoint(file, layoutFor).params), file);
  const net = buildActorCritic(networkSpec({ env: 'cartpole', net: 'mlp' }, 2), 1, undefined, 'js');
  assignTensors('model', loadSafetensors(join(dir, 'model.safetensors')), net.tensors(), net.params);
  assert.ok(allFinite(net.params));
  assert.deepEqual(net.params, readCheckpoint(files.at(-1)!, layoutFor).params);
});

/** A 2 MB tmpfs (root only); null where mounting is not allowed. */
function smallDisk(): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    return null;
  }
}

for (const fault of ['full', 'read-only'] as const) {
  test(`a ${fault} disk gives a clear error and leaves earlier checkpoints intact`, async (t) => {
    const mount = smallDisk();
    if (!mount) {
      t.skip('cannot mount a small tmpfs here (needs root)');
      return;
    }
    try {
      const dir = join(mount, 'run');
      const warnings: string[] = [];
      let broken = false;
      let readOnlyBind: string | null = null;
      const run = train(config({ workers: 1, seed: 4, time: 3, checkpointEvery: 0.3 }), dir, {
        onWarning: (w) => warnings.push(w),
        onCheckpoint: (path) => {
          // Break the disk after a checkpoint that holds training (a loaded machine may write one at step 0 first).
          if (broken || /ckpt-0+\.safetensors$/.test(path)) return;
          broken = true;
          if (fault === 'full') {
            try { writeFileSync(join(mount, 'filler'), Buffer.alloc(4 << 20)); } catch { /* fills the disk, then ENOSPC */ }
          } else {
            // Open metrics files keep the whole mount from going read-only; the checkpoint directory can.
            const checkpoints = join(dir, 'checkpoints');
            execFileSync('mount', ['--bind', checkpoints, checkpoints]);
            execFileSync('mount', ['-o', 'remount,bind,ro', checkpoints]);
            readOnlyBind = checkpoints;
          }
        },
      });
      const pattern = fault === 'full' ? /the disk is full \(ENOSPC/ : /the file system is read-only \(EROFS/;
      await assert.rejects(run, /the final checkpoint could not be written .*the newest intact one is .*ckpt-\d+\.safetensors/);
      assert.ok(warnings.some((w) => pattern.test(w) && /earlier checkpoints are intact/.test(w)), warnings.join('\n'));
      const files = listCheckpoints(dir);
      assert.ok(files.length >= 1 && files.length <= 2, `checkpoints: ${files.join(', ')}`); // one at step 0 on a loaded machine
      assert.ok(readCheckpoint(files.at(-1)!, layoutFor).state.globalSteps > 0, 'the earlier checkpoint still loads');
      assert.deepEqual(readdirSync(join(dir, 'checkpoints')).filter((f) => f.endsWith('.tmp')), [], 'no temp files left behind');
      if (readOnlyBind) execFileSync('umount', [readOnlyBind]);
    } finally {
      execFileSync('umount', ['--recursive', mount]);
    }
  });
}

test('an unwritable run directory is a one-line error naming it', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'a3c-notdir-')), 'plain-file');
  writeFileSync(file, 'x');
  await assert.rejects(train(config({ workers: 1, steps: 100 }), join(file, 'run')), /^Error: cannot write to the run directory .*plain-file\/run: .*(ENOTDIR|EEXIST).*: choose another with --run-dir$/);
  assert.ok(!existsSync(join(file, 'run')));
});
