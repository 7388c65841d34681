import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTrainConfig } from '../../src/runConfig.js';
import { evaluateRunWithWeights, train } from '../../src/presetEngine.js';
import type { EvalResult } from '../../src/train/evaluate.js';

/**
 * Issue 18, item 6: recurrence matters. On cartpole-masked the agent sees the cart's position
 * and the pole's angle but not their velocities, so one observation cannot say which way the
 * pole falls. `a3c train cartpole-masked --net lstm --workers 1 --seed 1 --max-steps 700000
 * --eval-every-seconds 0`, then `a3c eval <run> --weights latest --episodes 20 --seed 7`,
 * scores >= 400; the MLP, trained the same way with the same budget, stays far below. One worker
 * and a step budget (no evaluator, whose timing depends on the clock) make both runs exact.
 */
const STEPS = 700_000;

async function trainAndEvaluate(net: 'lstm' | 'mlp', seed: number): Promise<EvalResult> {
  const dir = mkdtempSync(join(tmpdir(), `a3c-masked-${net}-`));
  try {
    const config = buildTrainConfig('cartpole-masked', { net, workers: 1, seed, maxSteps: STEPS, evalEverySeconds: 0, targetReturn: null });
    const summary = await train(config, dir);
    assert.equal(summary.stopReason, 'steps');
    return evaluateRunWithWeights(dir, { episodes: 20, seed: 7, greedy: false, weights: 'latest' }).result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test(`cartpole-masked: the LSTM reaches an eval mean return >= 400 within ${STEPS} steps, the MLP stays far below`, async (t) => {
  const lstm = await trainAndEvaluate('lstm', 1);
  const mlp = await trainAndEvaluate('mlp', 1);
  t.diagnostic(`after ${STEPS} steps (seed 1), eval over 20 episodes (seed 7): lstm ${lstm.mean_return.toFixed(1)} (min ${lstm.min_return}), mlp ${mlp.mean_return.toFixed(1)} (max ${mlp.max_return})`);
  assert.ok(lstm.mean_return >= 400, `lstm: ${JSON.stringify(lstm)}`);
  assert.ok(mlp.mean_return < 150, `mlp: ${JSON.stringify(mlp)}`);
});
