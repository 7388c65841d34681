import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../../bin/a3c.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

test('every command has --help', () => {
  for (const args of [['--help'], ['train', '--help'], ['eval', '--help']]) {
    const r = run(...args);
    assert.equal(r.status, 0, args.join(' '));
    assert.match(r.stdout, /Usage: a3c/);
  }
});

test('bad flags and values give one line on stderr and a non-zero exit', () => {
  const cases: [string[], RegExp][] = [
    [['train', 'cartpole', '--bogus'], /unknown option '--bogus'/],
    [['train', 'cartpole', '--workers', '0'], /--workers: .*>=1.*"0"/],
    [['train', 'cartpole', '--seed', 'abc'], /--seed: .*"abc"/],
    [['train', 'pong'], /unknown environment 'pong': choose one of cartpole/],
    [['train', 'cartpole', '--net', 'huge'], /--net: unknown network 'huge'/],
    [['train', 'cartpole', '--optimizer', 'sgd'], /--optimizer/],
    [['eval', '/nonexistent/run'], /run directory \/nonexistent\/run does not exist/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ];
  for (const [args, pattern] of cases) {
    const r = run(...args);
    assert.notEqual(r.status, 0, args.join(' '));
    assert.match(r.stderr, pattern, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
  }
});

test('train writes a run directory that eval --json scores', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'a3c-cli-')), 'run');
  const t = run('train', 'cartpole', '--workers', '1', '--steps', '2000', '--run-dir', dir, '--seed', '3');
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /step budget reached/);
  const e = run('eval', dir, '--episodes', '3', '--json');
  assert.equal(e.status, 0, e.stderr);
  const result = JSON.parse(e.stdout);
  assert.deepEqual(Object.keys(result), ['episodes', 'mean_return', 'std_return', 'min_return', 'max_return']);
  assert.equal(result.episodes, 3);
  assert.ok(result.min_return >= 1 && result.max_return <= 500 && result.min_return <= result.mean_return);
});
