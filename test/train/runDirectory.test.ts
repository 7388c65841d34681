import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTrainConfig, trainFlagsSchema } from '../../src/cli/trainCommand.js';
import { CHECKPOINT_DIR, CONFIG_FILE, LOCK_FILE, METRICS_FILE, RunDirectory } from '../../src/train/runDirectory.js';

const fresh = () => join(mkdtempSync(join(tmpdir(), 'a3c-rundir-')), 'run');
const holderOf = (dir: string) => JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));

/** The PID of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

test('the lock names this process; a second taker is refused with one line naming the holder until it is released', () => {
  const dir = fresh();
  const first = RunDirectory.lock(dir);
  const holder = holderOf(dir);
  assert.equal(holder.pid, process.pid);
  assert.equal(holder.host, hostname());
  assert.ok(!Number.isNaN(Date.parse(holder.startedAt)));
  assert.throws(() => RunDirectory.lock(dir), (error: Error) => {
    assert.match(error.message, new RegExp(`is in use by process ${process.pid} on ${hostname()} \\(since ${holder.startedAt}\\)`));
    assert.ok(!error.message.includes('\n'));
    return true;
  });
  first.release();
  assert.ok(!existsSync(join(dir, LOCK_FILE)));
  RunDirectory.lock(dir).release();
});

test('a lock left by a process that is gone is taken over', () => {
  const dir = fresh();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: '2026-01-01T00:00:00.000Z' }));
  const taken = RunDirectory.lock(dir);
  assert.equal(holderOf(dir).pid, process.pid);
  taken.release();
});

test('a lock naming this PID and host that this process does not hold is taken over: a restarted container is PID 1 again', () => {
  const dir = fresh();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z' }));
  const taken = RunDirectory.lock(dir);
  assert.notEqual(holderOf(dir).startedAt, '2026-01-01T00:00:00.000Z');
  assert.throws(() => RunDirectory.lock(dir), /is in use by process/); // now it is this process's
  taken.release();
});

test('a lock held on another host counts as alive; an empty lock is stale only once it is a few seconds old', () => {
  const dir = fresh();
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, LOCK_FILE);
  writeFileSync(lock, JSON.stringify({ pid: deadPid(), host: 'elsewhere.example', startedAt: '2026-01-01T00:00:00.000Z' }));
  assert.throws(() => RunDirectory.lock(dir), (error: Error) => {
    assert.match(error.message, /in use by process \d+ on elsewhere\.example .*: .*delete .*lock\)$/);
    return true;
  });
  writeFileSync(lock, '');
  assert.throws(() => RunDirectory.lock(dir), /is being taken by another process/);
  const old = new Date(Date.now() - 60_000);
  utimesSync(lock, old, old);
  RunDirectory.lock(dir).release();
});

test('temp files a killed process left are removed when the directory is taken; everything else stays', () => {
  const dir = fresh();
  mkdirSync(join(dir, CHECKPOINT_DIR), { recursive: true });
  const leftovers = [join(CHECKPOINT_DIR, '.ckpt-000000001000.safetensors.4242.1764630000000.tmp'), '.metrics.jsonl.4242.1764630000001.tmp', '.model.safetensors.4242.1764630000002.tmp'];
  const kept = [join(CHECKPOINT_DIR, 'ckpt-000000000500.safetensors'), CONFIG_FILE, METRICS_FILE, 'notes.tmp'];
  for (const name of [...leftovers, ...kept]) writeFileSync(join(dir, name), 'x');
  const taken = RunDirectory.lock(dir);
  assert.deepEqual([...taken.removedTempFiles].sort(), leftovers.map((name) => join(dir, name)).sort());
  for (const name of kept) assert.ok(existsSync(join(dir, name)), name);
  assert.deepEqual(readdirSync(join(dir, CHECKPOINT_DIR)), ['ckpt-000000000500.safetensors']);
  taken.release();
});

test('prepare stores the config and starts an empty metrics file; readConfig reads it back', () => {
  const dir = RunDirectory.lock(fresh());
  const config = buildTrainConfig('cartpole', trainFlagsSchema.parse({ workers: 1, seed: 9 }));
  dir.prepare(config, null);
  assert.equal(readFileSync(dir.metricsPath, 'utf8'), '');
  assert.deepEqual(dir.readConfig(), config);
  assert.equal(dir.configPath, join(dir.path, CONFIG_FILE));
  dir.release();
});

test('a directory the lock created is removed again when nothing was written to it', () => {
  const dir = fresh();
  RunDirectory.lock(dir).release();
  assert.ok(!existsSync(dir));
});

test('a path that cannot be a directory is one line naming it', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'a3c-rundir-')), 'plain-file');
  writeFileSync(file, 'x');
  assert.throws(() => RunDirectory.lock(join(file, 'run')), /^Error: cannot write to the run directory .*plain-file\/run: .*: choose another with --run-dir$/);
});

test('a3c train refuses a run directory another a3c train is using: exit 1, one line naming its PID', { timeout: 120_000 }, async () => {
  const cli = fileURLToPath(new URL('../../../bin/a3c.js', import.meta.url));
  const dir = fresh();
  const first = spawn(process.execPath, [cli, 'train', 'cartpole', '--workers', '1', '--time', '60', '--checkpoint-every', '0.5', '--target-return', 'none', '--run-dir', dir, '--quiet'], { stdio: 'ignore' });
  try {
    const until = Date.now() + 60_000;
    const checkpointed = () => existsSync(join(dir, CHECKPOINT_DIR)) && readdirSync(join(dir, CHECKPOINT_DIR)).some((name) => name.startsWith('ckpt-'));
    while (!checkpointed() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
    // A fresh run in it and a resume of it (both would find its checkpoint) are refused by the lock.
    for (const args of [['train', 'cartpole', '--run-dir', dir, '--time', '1'], ['train', '--resume', dir, '--time', '1']]) {
      const second = spawnSync(process.execPath, [cli, ...args, '--quiet'], { encoding: 'utf8' });
      assert.equal(second.status, 1, second.stderr);
      assert.match(second.stderr, new RegExp(`^a3c: .* is in use by process ${first.pid} on `));
      assert.equal(second.stderr.trim().split('\n').length, 1, second.stderr);
    }
  } finally {
    first.kill('SIGTERM');
    await new Promise((resolve) => first.once('exit', resolve));
  }
  assert.ok(!existsSync(join(dir, LOCK_FILE)), 'the first process released its lock');
});
