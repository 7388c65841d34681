import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../../bin/a3c.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

test('every command has --help', () => {
  for (const args of [['--help'], ['train', '--help'], ['eval', '--help'], ['play', '--help'], ['dashboard', '--help'], ['bench', '--help'], ['plot', '--help']]) {
    const r = run(...args);
    assert.equal(r.status, 0, args.join(' '));
    assert.match(r.stdout, /Usage: a3c/);
  }
});

test('bad flags and values give one line on stderr and a non-zero exit', () => {
  const cases: [string[], RegExp][] = [
    [['train', 'cartpole', '--bogus'], /unknown option '--bogus'/],
    [['train', 'cartpole', '--workers', '0'], /--workers: expected an integer in 1\.\.256 \(got 0\)/],
    [['train', 'cartpole', '--seed', 'abc'], /--seed: .*"abc"/],
    [['train', 'tetris'], /unknown environment 'tetris': choose one of cartpole, cartpole-masked, breakout, pong/],
    [['train', 'pong'], /--rom: pong is played from your Atari 2600 ROM: pass --rom FILE/],
    [['train', 'breakout', '--rom', '/nonexistent.bin', '--steps', '10'], /--rom \/nonexistent.bin: cannot read the ROM \(no such file\)/],
    [['train', 'cartpole', '--rom', '/nonexistent.bin'], /--rom: cartpole is not an Atari game/],
    [['bench', 'env', 'breakout', '--rom', '/nonexistent.bin'], /cannot read the ROM/],
    [['train', 'cartpole', '--net', 'huge'], /--net: unknown network 'huge'/],
    [['train', 'cartpole', '--optimizer', 'sgd'], /--optimizer/],
    [['eval', '/nonexistent/run'], /run directory \/nonexistent\/run does not exist/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['train', '--resume', '/nonexistent/run'], /run directory \/nonexistent\/run does not exist/],
    [['train', 'cartpole', '--checkpoint-every', '0'], /--checkpoint-every-seconds: .*\(got 0\)/],
    [['train', 'cartpole', '--port', '70000', '--dashboard'], /--port: .*\(got 70000\)/],
    [['dashboard', '/nonexistent/run'], /run directory \/nonexistent\/run does not exist/],
    [['train', 'breakout', '--env-option', 'bogus=1', '--steps', '10'], /--env-option: unknown breakout option 'bogus': choose from frameSkip, /],
    [['train', 'breakout', '--env-option', 'nonsense'], /--env-option: .*key=value/],
    [['train', 'cartpole', '--env-option', 'ballSpeed=2'], /cartpole takes no environment options/],
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
  assert.deepEqual(Object.keys(result), ['episodes', 'mean_return', 'std_return', 'min_return', 'max_return', 'protocol']);
  assert.equal(result.episodes, 3);
  assert.ok(result.min_return >= 1 && result.max_return <= 500 && result.min_return <= result.mean_return);
});

test('bench nn, env and train print one JSON object each with the documented keys', () => {
  const nn = run('bench', 'nn', '--net', 'small', '--seconds', '0.2', '--json');
  assert.equal(nn.status, 0, nn.stderr);
  const n = JSON.parse(nn.stdout);
  for (const key of ['forward_b1_ms', 'update_b20_ms', 'gflops_forward', 'gflops_update']) assert.ok(n[key] > 0, key);
  const env = run('bench', 'env', 'breakout', '--seconds', '0.2', '--json');
  assert.equal(env.status, 0, env.stderr);
  const e = JSON.parse(env.stdout);
  assert.ok(e.raw_steps_per_s > e.preprocessed_steps_per_s && e.preprocessed_steps_per_s > 0);
  const tr = run('bench', 'train', 'cartpole', '--workers', '2', '--seconds', '4', '--json'); // worker start-up can take seconds on a loaded machine
  assert.equal(tr.status, 0, tr.stderr);
  const t = JSON.parse(tr.stdout);
  assert.ok(t.agent_steps_per_s > 0 && t.agent_steps_per_s_whole_run > 0 && t.updates_per_s > 0);
  assert.ok(Math.abs(t.share_env + t.share_forward + t.share_update - 1) < 1e-9);
  // Every update takes the lock, so it is held a measurable time; waiting may be 0 when the two never collide.
  assert.ok(t.lock_hold_ms_per_update > 0 && t.share_lock_hold > 0 && t.share_lock_wait >= 0 && t.share_lock_wait + t.share_lock_hold < 1, JSON.stringify(t));
  const bad = run('bench', 'nn', '--net', 'huge');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--net: .*"huge"/);
});

test('plot draws an SVG learning curve of a run', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'a3c-plot-')), 'run');
  assert.equal(run('train', 'cartpole', '--workers', '1', '--steps', '3000', '--run-dir', dir, '--quiet').status, 0);
  const out = join(dir, 'curve.svg');
  const p = run('plot', dir, '--out', out, '--random-episodes', '5');
  assert.equal(p.status, 0, p.stderr);
  const svg = readFileSync(out, 'utf8');
  assert.match(svg, /^<svg/);
  assert.match(svg, /random policy/);
  assert.match(svg, /agent steps/);
});

test('a closed stdout pipe does not stop the run from saving its weights', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'a3c-pipe-')), 'run');
  const child = spawn(process.execPath, [cli, 'train', 'cartpole', '--workers', '1', '--target-return', 'none', '--time', '2', '--run-dir', dir]);
  child.stdout.once('data', () => child.stdout.destroy()); // like `| head -1`
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0);
  assert.ok(existsSync(join(dir, 'model.safetensors')));
});
