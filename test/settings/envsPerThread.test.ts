import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainConfigSchema } from '../../src/config.js';
import { buildTrainConfig, resumedConfig } from '../../src/runConfig.js';
import { UsageError } from '../../src/settings/errors.js';
import { defaultEnvsPerThread } from '../../src/settings/table.js';
import { forEachMetricsRecord } from '../../src/metrics/records.js';

const cli = fileURLToPath(new URL('../../../bin/a3c.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
const root = mkdtempSync(join(tmpdir(), 'a3c-envs-per-thread-'));

/** Exit status 2 and exactly one line on stderr matching `pattern`. */
function refused(args: string[], pattern: RegExp): void {
  const r = run(...args);
  assert.equal(r.status, 2, `${args.join(' ')}: status ${r.status}, stderr ${r.stderr}`);
  assert.match(r.stderr.trim(), pattern, args.join(' '));
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
}

test('--envs-per-thread by default: one thread per core once there are more actor-learners than cores, else 1', () => {
  assert.equal(defaultEnvsPerThread(16, 2), 8);
  assert.equal(defaultEnvsPerThread(3, 2), 2, 'threads of 2 and 1');
  assert.equal(defaultEnvsPerThread(17, 4), 5);
  assert.equal(defaultEnvsPerThread(2, 2), 1);
  assert.equal(defaultEnvsPerThread(1, 8), 1);
  const cores = availableParallelism();
  assert.equal(buildTrainConfig('cartpole', { workers: cores }).envsPerThread, 1);
  assert.equal(buildTrainConfig('breakout', { workers: 4 * cores }).envsPerThread, 4);
  assert.equal(buildTrainConfig('breakout', { workers: 4 * cores, envsPerThread: 1 }).envsPerThread, 1, 'an explicit value wins');
  assert.equal(buildTrainConfig('breakout', { recipe: 'paper' }).envsPerThread, defaultEnvsPerThread(16, cores), "from the recipe's 16 workers");
});

test('--envs-per-thread: stored in the config; a config written before it means 1', () => {
  assert.equal(buildTrainConfig('cartpole', { workers: 2, envsPerThread: 1 }).envsPerThread, 1);
  const batched = buildTrainConfig('cartpole', { workers: 4, envsPerThread: 2 });
  assert.equal(batched.envsPerThread, 2);
  assert.equal(batched.workers, 4, '--workers stays the number of actor-learners');
  const { envsPerThread: _dropped, ...older } = batched;
  assert.equal(trainConfigSchema.parse(older).envsPerThread, 1);
});

test('--envs-per-thread is fixed on resume; --workers may still change', () => {
  const saved = buildTrainConfig('breakout', { workers: 16, envsPerThread: 8 });
  assert.throws(() => resumedConfig(saved, { envsPerThread: 4 }), (e: Error) => e instanceof UsageError && /^--envs-per-thread cannot change when resuming/.test(e.message));
  const more = resumedConfig(saved, { workers: 12, maxSteps: 1e6 });
  assert.equal(more.envsPerThread, 8);
  assert.equal(more.workers, 12);
});

test('bad --envs-per-thread values: one line, exit 2', () => {
  refused(['train', 'cartpole', '--envs-per-thread', '0'], /^a3c: --envs-per-thread: .*\(got 0\)$/);
  refused(['train', 'cartpole', '--envs-per-thread', 'abc'], /^a3c: --envs-per-thread: /);
  refused(['train', 'cartpole', '--envs-per-thread', '1.5'], /^a3c: --envs-per-thread: /);
  refused(['train', 'cartpole', '--envs-per-thread', '257'], /^a3c: --envs-per-thread: /);
  refused(['train', 'cartpole', '--envs-per-thread', '-2', '--run-dir', join(root, 'negative')], /^a3c: --envs-per-thread: /);
  assert.equal(existsSync(join(root, 'negative')), false, 'refused before anything is written');
});

test('a batched run resumes batched: config.json keeps --envs-per-thread, a new value is refused, episodes go on under every rank', () => {
  const dir = join(root, 'run');
  const first = run('train', 'cartpole', '--workers', '3', '--envs-per-thread', '2', '--max-steps', '3000', '--target-return', 'none', '--run-dir', dir, '--seed', '2', '--quiet');
  assert.equal(first.status, 0, first.stderr);
  assert.equal(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).envsPerThread, 2);
  refused(['train', '--resume', dir, '--envs-per-thread', '1', '--max-steps', '6000'], /^a3c: --envs-per-thread cannot change when resuming/);
  const resumed = run('train', '--resume', dir, '--max-steps', '6000', '--quiet');
  assert.equal(resumed.status, 0, resumed.stderr);
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  assert.equal(config.envsPerThread, 2);
  assert.equal(config.workers, 3);
  let last = 0;
  const workers = new Set<number>();
  forEachMetricsRecord(join(dir, 'metrics.jsonl'), (r) => { if (r.kind === 'episode') { workers.add(r.worker!); last = Math.max(last, r.step); } });
  assert.ok(last > 3000, `episodes after the resume (last at step ${last})`);
  assert.deepEqual([...workers].sort(), [0, 1, 2], 'three actor-learners in two threads (2 + 1)');
});
