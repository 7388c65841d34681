import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { trainConfigSchema } from '../../src/config.js';
import { getPreset } from '../../src/presets.js';
import { buildTrainConfig, resumedConfig } from '../../src/runConfig.js';
import { UsageError } from '../../src/settings/errors.js';

const cli = fileURLToPath(new URL('../../../bin/a3c.js', import.meta.url));

test('the book recipe is the presets\' defaults, unchanged', () => {
  for (const env of ['cartpole', 'breakout']) {
    const { recipe, ...book } = buildTrainConfig(env, { recipe: 'book', workers: 2 });
    const { recipe: none, ...plain } = buildTrainConfig(env, { workers: 2 });
    assert.equal(recipe, 'book');
    assert.equal(none, 'book');
    assert.deepEqual(book, plain);
  }
});

test('the paper recipe: its net, t_max 5, 16 lock-free workers, shared RMSProp 7e-4 annealed over 20M steps, entropy 0.01', () => {
  const paper = buildTrainConfig('breakout', { recipe: 'paper' });
  const expectedNet = 'lstm' in getPreset('breakout').networks ? 'lstm' : 'small';
  assert.equal(paper.net, expectedNet);
  assert.equal(paper.tMax, 5);
  assert.equal(paper.workers, 16);
  assert.equal(paper.hogwild, true);
  assert.equal(paper.entropyCoef, 0.01);
  assert.deepEqual(paper.optimizer, { kind: 'rmsprop', learningRate: 7e-4, alpha: 0.99, epsilon: 0.1 });
  assert.equal(paper.lrSchedule, 'linear');
  assert.equal(paper.maxSteps, 20_000_000);
  assert.equal(paper.recipe, 'paper');
  // What it leaves alone stays the preset's: discount, clipping, the game's preprocessing.
  const book = buildTrainConfig('breakout', {});
  assert.equal(paper.gamma, book.gamma);
  assert.equal(paper.rewardClip, book.rewardClip);
  assert.equal(paper.clipNorm, book.clipNorm);
  // Stored in config.json, read back the same.
  assert.deepEqual(trainConfigSchema.parse(JSON.parse(JSON.stringify(paper))), paper);
  // CartPole has the LSTM (dense 64, then 64 cells) but not the small conv net.
  assert.equal(buildTrainConfig('cartpole', { recipe: 'paper' }).net, 'lstm');
});

test('explicit flags override the recipe; another optimizer brings its own learning rate', () => {
  const c = buildTrainConfig('breakout', { recipe: 'paper', tMax: 20, workers: 2, hogwild: false, net: 'reference', maxSteps: 1000, lrSchedule: 'constant' });
  assert.deepEqual([c.tMax, c.workers, c.hogwild, c.net, c.maxSteps, c.lrSchedule], [20, 2, false, 'reference', 1000, 'constant']);
  assert.equal(buildTrainConfig('breakout', { recipe: 'paper', learningRate: 1e-3 }).optimizer.learningRate, 1e-3);
  const adam = buildTrainConfig('breakout', { recipe: 'paper', optimizer: 'adam' }).optimizer;
  assert.equal(adam.kind, 'adam');
  assert.equal(adam.learningRate, getPreset('breakout').defaults.optimizer.learningRate);
  assert.throws(() => buildTrainConfig('breakout', { recipe: 'paper', maxSteps: null }), (e: Error) => e instanceof UsageError && /^--lr-schedule linear anneals/.test(e.message));
  assert.throws(() => resumedConfig(buildTrainConfig('breakout', { recipe: 'paper' }), { recipe: 'book' }), { message: /^--recipe cannot change when resuming/ });
});

test('a3c train: a bad --recipe, or the paper\'s schedule without a step budget, is one line and exit 2', () => {
  for (const [args, pattern] of [
    [['--recipe', 'nature'], /--recipe.*nature/],
    [['--recipe', 'paper', '--max-steps', 'none'], /^a3c: --lr-schedule linear anneals the learning rate to 0 over --max-steps: give --max-steps N$/],
  ] as [string[], RegExp][]) {
    const r = spawnSync(process.execPath, [cli, 'train', 'cartpole', ...args], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.trim(), pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});
