/// <reference lib="dom" />
// The page functions below run in the browser, hence the DOM types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { buildTrainConfig, trainFlagsSchema } from '../../src/cli/trainCommand.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { train } from '../../src/presetEngine.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A CartPole run training in this process, its dashboard, and a way to stop both. */
async function liveRun(): Promise<{ dir: string; dashboard: Dashboard; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-dash-'));
  const controller = new AbortController();
  const config = buildTrainConfig('cartpole', trainFlagsSchema.parse({ workers: 1, seed: 2, targetReturn: 'none' }));
  const training = train(config, dir, { signal: controller.signal });
  const dashboard = await startDashboard(dir, { port: 0, pollMs: 200 });
  return { dir, dashboard, stop: async () => { controller.abort(); await training; await dashboard.close(); } };
}

/** GET with a raw, unnormalized path (fetch would resolve `..` before sending). */
function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the dashboard serves its page, history and live events, binds 127.0.0.1, and serves only its own files', async () => {
  const { dashboard, stop } = await liveRun();
  try {
    assert.match(dashboard.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(dashboard.url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<canvas id="game"/);
    assert.equal((await fetch(dashboard.url + 'uplot.js')).status, 200);
    for (const path of ['/../../../etc/passwd', '/%2e%2e/%2e%2e/config.json', '/config.json', '/metrics.jsonl', '/static/dashboard/index.html', '//etc/passwd']) {
      const r = await rawGet(dashboard.url, path);
      assert.equal(r.status, 404, path);
      assert.doesNotMatch(r.body, /root:|"env"/, path);
    }
    // Live events: episodes and frames arrive while training runs.
    const events = await fetch(dashboard.url + 'events');
    const reader = events.body!.getReader();
    let text = '';
    const deadline = performance.now() + 15_000;
    while (!(text.includes('event: episodes') && text.includes('event: frame')) && performance.now() < deadline) {
      text += new TextDecoder().decode((await reader.read()).value);
    }
    await reader.cancel();
    assert.match(text, /event: episodes\ndata: \[\{"step":\d+/);
    assert.match(text, /event: frame\ndata: \{"version":\d+\}/);
    const history = await (await fetch(dashboard.url + 'api/history')).json() as { points: unknown[]; config: { env: string } };
    assert.ok(history.points.length > 0 && history.config.env === 'cartpole');
    // Clients that connect by the hundred and vanish do not take the server down.
    const controllers = Array.from({ length: 200 }, () => new AbortController());
    await Promise.all(controllers.map((c) => fetch(dashboard.url + 'events', { signal: c.signal }).catch(() => null)));
    for (const c of controllers) c.abort();
    await sleep(300);
    assert.equal((await fetch(dashboard.url + 'api/history')).status, 200);
  } finally {
    await stop();
  }
});

function findChromium(): string | null {
  const candidates = [process.env.A3C_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  return candidates.find((path) => path && existsSync(path)) ?? null;
}

test('in a headless browser the curves get points and the game canvas changes over time', async (t) => {
  const executablePath = findChromium();
  if (!executablePath) {
    t.skip('no Chromium found: install Debian\'s chromium (apt-get install chromium) or set A3C_CHROMIUM');
    return;
  }
  const { dashboard, stop } = await liveRun();
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(dashboard.url);
    await page.waitForFunction(() => (window as unknown as { dashboardState: { points: unknown[]; frames: number } }).dashboardState.points.length > 0 && (window as unknown as { dashboardState: { points: unknown[]; frames: number } }).dashboardState.frames > 0, null, { timeout: 30_000 });
    const canvasPixels = () => page.evaluate(() => (document.getElementById('game') as HTMLCanvasElement).toDataURL());
    const first = await canvasPixels();
    const pointsBefore = await page.evaluate(() => (window as unknown as { dashboardState: { points: unknown[]; frames: number } }).dashboardState.points.length);
    await page.waitForFunction((n) => (window as unknown as { dashboardState: { points: unknown[]; frames: number } }).dashboardState.points.length > n, pointsBefore, { timeout: 30_000 });
    let changed = false;
    for (let i = 0; i < 40 && !changed; i++) {
      await sleep(250);
      changed = (await canvasPixels()) !== first;
    }
    assert.ok(changed, 'the game canvas changed while training ran');
    const drawn = await page.evaluate(() => document.querySelectorAll('#chart-return canvas').length);
    assert.ok(drawn > 0, 'the return chart has a canvas');
    const status = await page.textContent('#status');
    assert.match(status ?? '', /steps · [\d,]+ episodes/);
    if (process.env.A3C_SCREENSHOT) await page.screenshot({ path: process.env.A3C_SCREENSHOT });
  } finally {
    await browser.close();
    await stop();
  }
});
