import { test } from 'node:test';
import assert from 'node:assert/strict';
import { soak } from './soak.js';

test('short soak: worker faults, NaN gradients and SIGKILLs; counters move forward, checkpoints load, the curve is continuous', async () => {
  const report = await soak({
    seconds: 24, env: 'cartpole', workers: 2, killEvery: 5, checkpointEvery: 1, seed: 5,
    // Per update. Restarts after each SIGKILL leave 7,000-20,000 updates in 24 s on a slow or loaded
    // machine (CartPole alone makes ~5,000 a second per worker): rates that expect faults even there.
    chaos: { crash: 4e-4, exitInUpdate: 4e-4, nanGradient: 2e-3 },
  });
  console.log(JSON.stringify(report));
  assert.deepEqual(report.problems, []);
  assert.ok(report.sigkills >= 2, `SIGKILLs: ${report.sigkills}`);
  assert.ok(report.workerFaults >= 1, `worker faults: ${report.workerFaults}`);
  assert.ok(report.skippedUpdates >= 1, `skipped updates: ${report.skippedUpdates}`);
  assert.ok(report.episodes > 100 && report.checkpointsVerified >= report.segments);
});
