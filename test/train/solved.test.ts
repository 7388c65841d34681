import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTrainConfig, trainFlagsSchema } from '../../src/cli/trainCommand.js';
import { forEachMetricsRecord, type MetricsRecord } from '../../src/metrics/records.js';
import { train } from '../../src/presetEngine.js';
import { evaluateRunWithWeights } from '../../src/presetEngine.js';

// The command, `a3c train cartpole --workers 2 --seed S --time 180`, with a shorter
// budget: "solved" must be true of the weights it names. Before the evaluator, training
// stopped on the mean of 100 training episodes and the saved weights scored 11.4 on seed 1.
for (const seed of [1, 2, 3]) {
  test(`CartPole seed ${seed}: the weights the solved message names evaluate to >= 400 over 20 episodes`, async () => {
    const dir = mkdtempSync(join(tmpdir(), `a3c-solved-${seed}-`));
    const summary = await train(buildTrainConfig('cartpole', trainFlagsSchema.parse({ workers: 2, seed, time: 45 })), dir);
    assert.equal(summary.stopReason, 'target', `not solved in 45 s: best ${JSON.stringify(summary.best)}`);
    const solved = summary.solved!;
    assert.equal(solved.weightsPath, join(dir, 'best.safetensors'));
    assert.ok(solved.meanReturn >= 475 && solved.episodes === 50, `confirmed ${solved.meanReturn} over ${solved.episodes}`);

    const { result, weights } = evaluateRunWithWeights(dir, { episodes: 20, seed: 7, greedy: false });
    assert.equal(weights.path, solved.weightsPath, 'a3c eval plays the weights that solved');
    assert.equal(weights.step, solved.weightsStep);
    assert.ok(result.mean_return >= 400, `the saved policy scores ${result.mean_return} over 20 episodes (seed 7)`);

    // The evaluation that led to it is in the stream, with its confirmation.
    const evals: MetricsRecord[] = [];
    forEachMetricsRecord(join(dir, 'metrics.jsonl'), (r) => { if (r.kind === 'eval') evals.push(r); });
    const confirming = evals.find((r) => r.step === solved.weightsStep);
    assert.ok(confirming && confirming.values['eval/confirmation_mean_return'] >= 475, JSON.stringify(evals.slice(-3)));
    console.log(`seed ${seed}: solved in ${solved.seconds.toFixed(1)} s by the weights of step ${solved.weightsStep} (confirmed ${solved.meanReturn.toFixed(1)}); eval 20 episodes seed 7: ${result.mean_return.toFixed(1)}`);
  });
}
