import { test } from 'node:test';
import assert from 'node:assert/strict';
import { soak } from './soak.js';

test('short soak: worker faults, NaN gradients and SIGKILLs; counters move forward, checkpoints load, the curve is continuous', async () => {
  const report = await soak({
    seconds: 24, env: 'cartpole', workers: 2, killEvery: 5, checkpointEvery: 1, seed: 5,
    chaos: { crash: 2e-5, exitInUpdate: 2e-5, nanGradient: 2e-4 }, // per update; CartPole makes ~5,000 updates/s per worker
  });
  console.log(JSON.stringify(report));
  assert.deepEqual(report.problems, []);
  assert.ok(report.sigkills >= 2, `SIGKILLs: ${report.sigkills}`);
  assert.ok(report.workerFaults >= 1, `worker faults: ${report.workerFaults}`);
  assert.ok(report.skippedUpdates >= 1, `skipped updates: ${report.skippedUpdates}`);
  assert.ok(report.episodes > 100 && report.checkpointsVerified >= report.segments);
});
