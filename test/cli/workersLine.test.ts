import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatWorkers } from '../../src/cli/format.js';

const cli = fileURLToPath(new URL('../../../bin/a3c.js', import.meta.url));

test('formatWorkers: workers alone, or actor-learners on their threads when acting is batched', () => {
  assert.equal(formatWorkers(1, 1), '1 worker');
  assert.equal(formatWorkers(16, 1), '16 workers');
  assert.equal(formatWorkers(16, 8), '16 actor-learners on 2 threads (8 per thread, batched acting)');
  assert.equal(formatWorkers(3, 2), '3 actor-learners on 2 threads (2 per thread, batched acting)', 'the last thread holds the rest');
  assert.equal(formatWorkers(2, 8), '2 actor-learners on 1 thread (2 per thread, batched acting)', 'never more per thread than there are');
});

test('a3c train: the start line names the threads when --envs-per-thread K > 1', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'a3c-workers-')), 'run');
  const r = spawnSync(process.execPath, [cli, 'train', 'cartpole', '--workers', '3', '--envs-per-thread', '2', '--max-steps', '200', '--target-return', 'none', '--run-dir', dir], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.split('\n')[0], /^a3c: training cartpole \(net mlp\) with 3 actor-learners on 2 threads \(2 per thread, batched acting\), seed 0,/);
});

test('a3c serve: the start line says the actor-learners are the nodes\', not the config\'s workers', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'a3c-workers-')), 'serve');
  const r = spawnSync(process.execPath, [cli, 'serve', 'cartpole', '--workers', '16', '--listen', '127.0.0.1:0', '--max-seconds', '1', '--target-return', 'none', '--run-dir', dir], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.split('\n')[0], /^a3c: training cartpole \(net mlp\) with the actor-learners of its nodes, seed 0,/);
});
