import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTrainConfig, trainFlagsSchema } from '../../src/cli/trainCommand.js';
import { listCheckpoints } from '../../src/train/checkpoint.js';
import { chaos } from '../../src/train/chaos.js';
import { train } from '../../src/presetEngine.js';
import { type WorkerFault } from '../../src/train/coordinator.js';

const config = (overrides: Record<string, unknown>) => buildTrainConfig('cartpole', trainFlagsSchema.parse({ targetReturn: 'none', ...overrides }));

for (const how of ['the time budget', 'an abort (SIGTERM)'] as const) {
  test(`a stuck worker is terminated after the grace period and ${how} still ends the run with a checkpoint`, { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'a3c-stuck-'));
    const faults: WorkerFault[] = [];
    const controller = new AbortController();
    const byTime = how === 'the time budget';
    // The worker spins forever at its first update (its 20th, when the test aborts on seeing 19).
    const summary = await train(config({ workers: 1, seed: 1, ...(byTime ? { time: 4 } : {}) }), dir, {
      faults: chaos({ hangAtUpdate: byTime ? 1 : 20 }),
      signal: controller.signal,
      onTick: (p) => { if (!byTime && p.updates >= 19) controller.abort(); }, // it is stuck now
      onWorkerFault: (f) => faults.push(f),
    });
    assert.equal(summary.stopReason, byTime ? 'time' : 'interrupted');
    assert.equal(faults.length, 1, JSON.stringify(faults));
    assert.equal(faults[0].rank, 0);
    assert.match(faults[0].cause, /did not stop within 3 s of the stop request and was terminated/);
    assert.equal(faults[0].restarting, false);
    assert.ok(listCheckpoints(dir).length > 0, 'the final checkpoint was written');
  });
}

test('a run whose updates are nearly all skipped (a far too large learning rate) fails with one line after its checkpoint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-diverged-'));
  // The settings refuse a rate above 1 (exit 2 on the command line); the engine's own divergence check is tested here.
  const sane = config({ workers: 1, seed: 1, steps: 6000 });
  await assert.rejects(train({ ...sane, optimizer: { ...sane.optimizer, learningRate: 1e9 } }, dir),
    /^Error: training diverged: \d+ of \d+ updates skipped \(non-finite gradients\); try a smaller --lr$/);
  assert.ok(listCheckpoints(dir).length > 0, 'the final checkpoint was written');
});

test('a healthy run is not called diverged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-healthy-'));
  const summary = await train(config({ workers: 1, seed: 1, steps: 6000 }), dir);
  assert.equal(summary.stopReason, 'steps');
  assert.ok(summary.updates >= 100 && summary.skippedUpdates === 0);
});
