import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildTrainConfig, trainFlagsSchema } from '../../src/cli/trainCommand.js';
import { loadSafetensors } from '../../src/io/safetensors.js';
import { evaluateRunWithWeights } from '../../src/presetEngine.js';
import { agentFactory } from '../../src/presets.js';
import { weightsProvenance } from '../../src/train/evaluate.js';
import { evalMetrics, evalSchedule, Evaluator } from '../../src/train/evaluator.js';
import { cartpoleLayout, controllerWeights } from './fixtures/cartpoleController.js';

const cli = fileURLToPath(new URL('../../../bin/a3c.js', import.meta.url));
const layout = cartpoleLayout();
const schedule = { everySeconds: 1, episodes: 10, confirmEpisodes: 50 };

function runDir(targetReturn: number | 'none', seed = 1) {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-evaluator-'));
  const config = buildTrainConfig('cartpole', trainFlagsSchema.parse({ workers: 1, seed, targetReturn }));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config)); // eval reads it
  return { dir, config };
}

const savedStep = (path: string) => weightsProvenance(loadSafetensors(path).metadata).step;

test('the evaluator saves the evaluated weights as best.safetensors only when they score better', () => {
  const { dir, config } = runDir('none');
  const evaluator = new Evaluator(agentFactory, config, dir, layout, schedule, false);
  const medium = evaluator.evaluate(controllerWeights(2), 100);
  assert.ok(medium.savedBest, 'the first evaluation is the best so far');
  assert.ok(medium.mean_return > 60 && medium.mean_return < 400, `medium controller: ${medium.mean_return}`);
  assert.equal(savedStep(evaluator.bestPath), 100);
  const bytes = readFileSync(evaluator.bestPath);

  const random = evaluator.evaluate(controllerWeights(0), 200);
  assert.ok(random.mean_return < medium.mean_return, `random play ${random.mean_return}`);
  assert.equal(random.savedBest, false);
  assert.ok(readFileSync(evaluator.bestPath).equals(bytes), 'worse weights leave the file as it was');
  assert.deepEqual(random.best, medium.best);

  const broken = controllerWeights(100);
  broken[3] = Number.NaN;
  const nan = evaluator.evaluate(broken, 250);
  assert.equal(nan.savedBest, false, 'non-finite weights are never saved');
  assert.equal(nan.episodes, 0);

  const good = evaluator.evaluate(controllerWeights(100), 300);
  assert.ok(good.savedBest && good.mean_return > medium.mean_return, `good controller: ${good.mean_return}`);
  assert.equal(savedStep(evaluator.bestPath), 300);
  assert.deepEqual(good.best, { path: evaluator.bestPath, step: 300, meanReturn: good.mean_return, episodes: 10 });
  assert.equal(good.confirmation, null, 'no target: no confirmation');

  const record = evalMetrics(good, 12.5);
  assert.deepEqual(record, { kind: 'eval', step: 300, wall_time: 12.5, values: { 'eval/mean_return': good.mean_return, 'eval/std_return': good.std_return, 'eval/episodes': 10, 'eval/saved_best': 1 } });

  // eval and play choose these weights by default and say so; --weights latest needs model.safetensors.
  const { weights } = evaluateRunWithWeights(dir, { episodes: 1, seed: 0, greedy: false });
  assert.deepEqual([weights.choice, weights.step, weights.evaluation?.mean_return], ['best', 300, good.mean_return]);
  assert.throws(() => evaluateRunWithWeights(dir, { episodes: 1, seed: 0, greedy: false, weights: 'latest' }), /model\.safetensors is missing/);
  const cliRun = spawnSync(process.execPath, [cli, 'eval', dir, '--episodes', '2', '--json'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(cliRun.status, 0, cliRun.stderr);
  assert.deepEqual(Object.keys(JSON.parse(cliRun.stdout)), ['episodes', 'mean_return', 'std_return', 'min_return', 'max_return', 'protocol'], 'stdout stays one object');
  assert.match(cliRun.stderr, /^a3c: weights: .*best\.safetensors \(best, step 300; the evaluator scored them/);

  // A resumed run keeps the best and its score; a fresh run in the directory does not inherit it.
  const resumed = new Evaluator(agentFactory, config, dir, layout, schedule, true);
  assert.deepEqual(resumed.best, good.best);
  assert.equal(resumed.evaluate(controllerWeights(2), 400).savedBest, false);
  new Evaluator(agentFactory, config, dir, layout, schedule, false);
  assert.equal(existsSync(evaluator.bestPath), false);
});

test('a target return counts only when the saved file confirms it in a second evaluation', () => {
  // Target = the medium controller's first score: its first evaluation reaches the target,
  // and the confirmation on the file (50 other episodes) decides. Over a few run seeds some
  // confirmations fall short; each decision must follow the confirmation, not the first score.
  let refused = 0;
  for (let seed = 1; seed <= 6; seed++) {
    const probe = runDir('none', seed);
    const first = new Evaluator(agentFactory, probe.config, probe.dir, layout, schedule, false).evaluate(controllerWeights(3), 100).mean_return;
    const { dir, config } = runDir(first, seed);
    const report = new Evaluator(agentFactory, config, dir, layout, schedule, false).evaluate(controllerWeights(3), 100);
    assert.equal(report.mean_return, first, 'the evaluation seeds depend on the run seed only');
    assert.ok(report.savedBest && report.confirmation !== null, 'reaching the target saves the weights and confirms them');
    assert.equal(report.confirmation.episodes, 50);
    const meta = JSON.parse(loadSafetensors(join(dir, 'best.safetensors')).metadata.evaluation);
    assert.equal(meta.confirmed_mean_return, report.confirmation.mean_return, 'the file records its confirmation');
    if (report.confirmation.mean_return >= first) {
      assert.deepEqual(report.confirmed, { path: join(dir, 'best.safetensors'), step: 100, ...report.confirmation });
    } else {
      assert.equal(report.confirmed, null, `first ${first}, confirmation ${report.confirmation.mean_return}: not reached`);
      refused++;
    }
  }
  assert.ok(refused > 0, 'some first evaluations were lucky and the confirmation refused them');

  // The good controller reaches CartPole's 475 and its saved file confirms it.
  const { dir, config } = runDir(475);
  const report = new Evaluator(agentFactory, config, dir, layout, schedule, false).evaluate(controllerWeights(100), 5000);
  assert.ok(report.confirmed && report.confirmed.mean_return >= 475, JSON.stringify(report.confirmation));
  const { result, weights } = evaluateRunWithWeights(dir, { episodes: 20, seed: 7, greedy: false });
  assert.equal(weights.path, report.confirmed.path);
  assert.ok(result.mean_return >= 475, `the confirmed file plays ${result.mean_return}`);
});

test('evaluation schedule: often for runs with a target, rarely otherwise, off with 0', () => {
  assert.deepEqual(evalSchedule({ targetReturn: 475, evalEverySeconds: null, evalEpisodes: null }), { everySeconds: 2, episodes: 10, confirmEpisodes: 50 });
  assert.deepEqual(evalSchedule({ targetReturn: null, evalEverySeconds: null, evalEpisodes: null }), { everySeconds: 300, episodes: 5, confirmEpisodes: 50 });
  assert.deepEqual(evalSchedule({ targetReturn: null, evalEverySeconds: 30, evalEpisodes: 80 }), { everySeconds: 30, episodes: 80, confirmEpisodes: 80 });
  assert.equal(evalSchedule({ targetReturn: 475, evalEverySeconds: 0, evalEpisodes: null }), null);
});
