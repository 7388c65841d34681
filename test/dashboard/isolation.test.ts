import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTrainConfig, trainFlagsSchema } from '../../src/cli/trainCommand.js';
import { startIsolatedDashboard } from '../../src/dashboard/isolatedDashboard.js';
import { train } from '../../src/presetEngine.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cli = fileURLToPath(new URL('../../../bin/a3c.js', import.meta.url));
const isolatedModule = new URL('../../src/dashboard/isolatedDashboard.js', import.meta.url).href;

const alive = (pid: number): boolean => {
  try { process.kill(pid, 0); return true; } catch { return false; }
};

async function waitFor(what: string, condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('the dashboard\'s process dying does not stop the training: one line, a restart on the same URL, then training without it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-dash-isolated-'));
  const controller = new AbortController();
  let episodes = 0;
  const config = buildTrainConfig('cartpole', trainFlagsSchema.parse({ workers: 1, seed: 3, targetReturn: 'none' }));
  const training = train(config, dir, { signal: controller.signal, onEpisode: () => { episodes++; } });
  const log: string[] = [];
  const dashboard = await startIsolatedDashboard(dir, { port: 0, pollMs: 200 }, { log: (line) => log.push(line), maxRestarts: 1, restartDelayMs: 100 });
  try {
    assert.equal((await fetch(dashboard.url + 'api/history')).status, 200);
    const firstPid = dashboard.pid!;
    const url = dashboard.url;
    process.kill(firstPid, 'SIGKILL');
    await waitFor('the failure line', () => log.length >= 1);
    assert.match(log[0], /^dashboard process stopped \(SIGKILL\); training goes on; restarting it at http:\/\/127\.0\.0\.1:\d+\/$/);
    await waitFor('the restart', () => dashboard.pid !== null && dashboard.pid !== firstPid);
    assert.equal(dashboard.url, url, 'restarted on the same port');
    let served = 0;
    await waitFor('the restarted server', () => { void fetch(url + 'api/history').then((r) => { if (r.status === 200) served++; }, () => {}); return served > 0; });
    const episodesAtSecondKill = episodes;
    process.kill(dashboard.pid!, 'SIGKILL');
    await waitFor('the second failure line', () => log.length >= 2);
    assert.match(log[1], /training goes on without it/);
    await waitFor('more episodes after the dashboard is gone', () => episodes > episodesAtSecondKill + 5);
    assert.equal(log.length, 2, log.join('\n'));
  } finally {
    await dashboard.close();
    controller.abort();
  }
  const summary = await training;
  assert.ok(summary.episodes > 0);
});

test('the dashboard\'s process does not outlive a killed parent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-dash-orphan-'));
  const script = `const { startIsolatedDashboard } = await import(${JSON.stringify(isolatedModule)});
    const d = await startIsolatedDashboard(${JSON.stringify(dir)}, { port: 0 }, { log: () => {} });
    process.stdout.write(d.pid + '\\n'); setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  parent.stdout.on('data', (chunk) => { output += chunk; });
  await waitFor('the dashboard process id', () => output.includes('\n'));
  const childPid = Number(output.trim());
  assert.ok(alive(childPid));
  parent.kill('SIGKILL');
  await waitFor('the orphaned dashboard to exit', () => !alive(childPid), 5000);
});

test('train --dashboard warns about a --host off this machine, and a dashboard that cannot listen is one line, exit 1', () => {
  const runDir = mkdtempSync(join(tmpdir(), 'a3c-dash-cli-'));
  // 192.0.2.1 (TEST-NET-1) is no address of this machine: the warning, then the listen failure, nothing opened.
  const r = spawnSync(process.execPath, [cli, 'train', 'cartpole', '--workers', '1', '--steps', '1000', '--run-dir', runDir, '--dashboard', '--port', '0', '--host', '192.0.2.1'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^a3c: warning: --host 192\.0\.2\.1: the dashboard \(no login\) can be reached from other machines; use --host 127\.0\.0\.1 to keep it on this one$/m);
  assert.match(r.stderr, /^a3c: dashboard: cannot listen on 192\.0\.2\.1:0: .*EADDRNOTAVAIL/m);
  const ok = spawnSync(process.execPath, [cli, 'train', 'cartpole', '--workers', '1', '--steps', '2000', '--run-dir', join(runDir, 'ok'), '--dashboard', '--port', '0', '--quiet'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(ok.status, 0, ok.stderr);
  assert.doesNotMatch(ok.stderr, /warning/);
});
