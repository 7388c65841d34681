import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/*
 * `a3c bench train --baseline-workers / --baseline-envs-per-thread`: trains the asked run, then
 * the same environment and net with the baseline's workers or actor-learners per thread, in the
 * same command, and reports both, their ratio and the process's peak memory. CartPole: seconds.
 */

const cli = fileURLToPath(new URL('../../../bin/a3c.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

test('bench train --baseline-workers 1 --json: the 2-worker run, the 1-worker baseline of the same env and net, their ratio and the peak memory', () => {
  const r = run('bench', 'train', 'cartpole', '--workers', '2', '--baseline-workers', '1', '--seconds', '2', '--json');
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  const baseline = result.baseline;
  assert.equal(result.workers, 2);
  assert.equal(baseline.workers, 1);
  assert.equal(baseline.env, 'cartpole');
  assert.equal(baseline.net, result.net);
  assert.equal(result.game, undefined, 'no ROM');
  for (const x of [result, baseline]) assert.ok(x.agent_steps_per_s > 0 && x.updates_per_s > 0);
  assert.equal(result.agent_steps_ratio_to_baseline, result.agent_steps_per_s / baseline.agent_steps_per_s);
  assert.ok(result.peak_rss_mib > 20 && result.peak_rss_mib < 4096, `peak RSS ${result.peak_rss_mib} MiB`);
  assert.equal(baseline.peak_rss_mib, undefined, 'the baseline would see the first run\'s peak');
});

test('bench train --baseline-envs-per-thread 1: the same workers, one thread each, as the baseline', () => {
  const r = run('bench', 'train', 'cartpole', '--workers', '4', '--envs-per-thread', '2', '--baseline-envs-per-thread', '1', '--seconds', '2', '--json');
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.deepEqual([result.workers, result.envs_per_thread], [4, 2]);
  assert.deepEqual([result.baseline.workers, result.baseline.envs_per_thread], [4, 1]);
});

test('bench train --baseline-workers keeps the asked --envs-per-thread: the baseline differs in the workers alone', () => {
  const r = run('bench', 'train', 'cartpole', '--workers', '4', '--envs-per-thread', '2', '--baseline-workers', '2', '--seconds', '2', '--json');
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.deepEqual([result.baseline.workers, result.baseline.envs_per_thread], [2, 2]);
});

test('bench train: a baseline of workers with --rom (whose baseline is the built-in game) gets one line and a non-zero exit before anything trains', () => {
  const r = run('bench', 'train', 'breakout', '--rom', 'any.bin', '--baseline-workers', '1', '--seconds', '1');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--baseline-workers and --baseline-envs-per-thread cannot be used with --rom/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.equal(r.stdout, '');
});
