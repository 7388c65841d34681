import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listCheckpoints, readCheckpoint } from '../../src/train/checkpoint.js';
import { buildActorCritic } from '../../src/agents/networks.js';
import { networkSpec } from '../../src/presets.js';

const cli = fileURLToPath(new URL('../../../bin/a3c.js', import.meta.url));
const INTERVAL = 1; // --checkpoint-every, seconds
const layoutFor = (config: Parameters<typeof networkSpec>[0]) => buildActorCritic(networkSpec(config, 2), 1, undefined, 'js').tensors();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const episodes = (dir: string) => readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

test('after SIGKILL mid-run, --resume continues counters and curves, losing at most one checkpoint interval', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-kill-'));
  const child = spawn(process.execPath, [cli, 'train', 'cartpole', '--workers', '2', '--seed', '3', '--target-return', 'none',
    '--run-dir', dir, '--checkpoint-every', String(INTERVAL), '--quiet'], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const deadline = performance.now() + 60_000;
  while (listCheckpoints(dir).length < 2 && performance.now() < deadline) await sleep(50);
  await sleep(INTERVAL * 1000 * 0.6); // somewhere between two checkpoints
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');

  const before = episodes(dir);
  const files = listCheckpoints(dir);
  assert.ok(files.length >= 2, 'checkpoints were written');
  const last = readCheckpoint(files[files.length - 1], layoutFor);
  const lastWallTime = before.reduce((m, e) => Math.max(m, e.wall_time), 0);
  const lostSeconds = lastWallTime - last.state.seconds;
  // A checkpoint every INTERVAL s, checked on a 250 ms tick; the metrics are flushed on the same tick.
  assert.ok(lostSeconds <= INTERVAL + 0.3, `lost ${lostSeconds.toFixed(2)} s of training (checkpoint at ${last.state.seconds.toFixed(2)} s, last episode at ${lastWallTime} s)`);
  console.log(`SIGKILL lost ${lostSeconds.toFixed(2)} s and ${before.reduce((m, e) => Math.max(m, e.step), 0) - last.state.globalSteps} steps (checkpoint every ${INTERVAL} s)`);

  const target = last.state.globalSteps + 30_000;
  const resumed = spawnSync(process.execPath, [cli, 'train', '--resume', dir, '--steps', String(target), '--json-logs'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(resumed.status, 0, resumed.stderr);
  const lines = resumed.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const summary = lines.find((l) => l.type === 'summary');
  assert.ok(summary.globalSteps >= target, `resumed run reached ${summary.globalSteps}`);
  assert.ok(summary.seconds > last.state.seconds, 'training time continues from the checkpoint');

  const after = episodes(dir);
  const old = after.filter((e) => e.episode <= last.state.episodes);
  const fresh = after.filter((e) => e.episode > last.state.episodes);
  assert.ok(old.every((e) => e.step <= last.state.globalSteps), 'metrics past the checkpoint were dropped');
  assert.equal(old.length, last.state.episodes, 'every episode up to the checkpoint is still there');
  assert.ok(fresh.length > 10);
  assert.equal(Math.min(...fresh.map((e) => e.episode)), last.state.episodes + 1, 'episode numbers continue');
  assert.ok(fresh.every((e) => e.step > last.state.globalSteps && e.wall_time >= last.state.seconds), 'steps and time continue');
  const final = readCheckpoint(listCheckpoints(dir).at(-1)!, layoutFor);
  assert.equal(final.state.segment, last.state.segment + 1);
  assert.ok(final.state.optimizerStep > last.state.optimizerStep);
});

test('SIGINT writes a final checkpoint and exits 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-sigint-'));
  const child = spawn(process.execPath, [cli, 'train', 'cartpole', '--workers', '2', '--target-return', 'none', '--run-dir', dir, '--quiet'], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    try { if (episodes(dir).length > 20) break; } catch { /* not created yet */ }
    await sleep(50);
  }
  const sent = performance.now();
  child.kill('SIGINT');
  assert.equal(await exited, 0);
  assert.ok(performance.now() - sent < 5000, 'exits within a few seconds');
  const files = listCheckpoints(dir);
  assert.equal(files.length, 1, 'the stop wrote a checkpoint');
  assert.ok(readCheckpoint(files[0], layoutFor).state.globalSteps > 0);
});

test('--resume-existing: the same command starts a run, then continues it; a changed run setting is still refused', { timeout: 120_000 }, () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'a3c-resume-existing-')), 'run');
  const command = (steps: number, seed = 5) => spawnSync(process.execPath,
    [cli, 'train', 'cartpole', '--workers', '2', '--seed', String(seed), '--target-return', 'none', '--max-steps', String(steps), '--run-dir', dir, '--resume-existing'],
    { encoding: 'utf8', timeout: 100_000 });
  const first = command(1000);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /training cartpole/);
  const started = readCheckpoint(listCheckpoints(dir).at(-1)!, layoutFor).state.globalSteps;
  const second = command(2000);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stdout, new RegExp(`resuming cartpole .*\\n.*${started.toLocaleString('en-US')} steps`));
  assert.ok(readCheckpoint(listCheckpoints(dir).at(-1)!, layoutFor).state.globalSteps >= 2000);
  const changed = command(3000, 6);
  assert.equal(changed.status, 2);
  assert.equal(changed.stderr.trim(), 'a3c: --seed cannot change when resuming: the run continues with its saved settings (drop the flag, or start a new run)');
});
