import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIsolatedDashboard } from '../../src/dashboard/isolatedDashboard.js';
import { startDashboard } from '../../src/dashboard/server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A run directory with a few episodes and a config, as `a3c train` leaves it. */
function smallRun(): string {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-dash-hostile-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ env: 'cartpole', net: 'mlp', workers: 1 }));
  const lines = Array.from({ length: 30 }, (_, i) => JSON.stringify({ step: 20 * i, wall_time: i / 10, episode: i, return: 10 + i, length: 20 }));
  writeFileSync(join(dir, 'metrics.jsonl'), lines.join('\n') + '\n');
  return dir;
}

/** Sends raw bytes and resolves to the first line the server answers ('' when it just closes). */
function rawExchange(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const giveUp = setTimeout(() => { socket.destroy(); reject(new Error(`no answer to ${JSON.stringify(String(bytes).slice(0, 40))}`)); }, 5000);
    socket.on('data', (chunk) => { answer += chunk; });
    socket.on('error', () => { /* a reset after the answer */ });
    socket.on('close', () => { clearTimeout(giveUp); resolve(answer.split('\r\n')[0]); });
    socket.write(bytes);
  });
}

async function getStatus(url: string): Promise<number> {
  const response = await fetch(url);
  await response.arrayBuffer();
  return response.status;
}

test('malformed requests get 400, 405 or 431 and the server goes on serving', async () => {
  const dashboard = await startDashboard(smallRun(), { port: 0 });
  const port = Number(new URL(dashboard.url).port);
  try {
    const cases: [string, string | Buffer, RegExp][] = [
      ['an authority that is no URL', 'GET //[ HTTP/1.1\r\nHost: x\r\n\r\n', /^HTTP\/1\.1 400 /],
      ['an absolute URL that is none', 'GET http://[/ HTTP/1.1\r\nHost: x\r\n\r\n', /^HTTP\/1\.1 400 /],
      ['an unknown method', 'FROBNICATE / HTTP/1.1\r\nHost: x\r\n\r\n', /^HTTP\/1\.1 400 /],
      ['a method with control bytes', 'G\u0001T / HTTP/1.1\r\nHost: x\r\n\r\n', /^HTTP\/1\.1 400 /],
      ['a real method the dashboard does not serve', 'DELETE /api/history HTTP/1.1\r\nHost: x\r\n\r\n', /^HTTP\/1\.1 405 /],
      ['a body it does not want', 'POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello', /^HTTP\/1\.1 405 /],
      ['64 KB of headers', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 << 10)}\r\n\r\n`, /^HTTP\/1\.1 431 /],
      ['binary noise', Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10]), /^HTTP\/1\.1 400 /],
      ['a bad header line', 'GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n', /^HTTP\/1\.1 400 /],
      ['a bad content length', 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n', /^HTTP\/1\.1 400 /],
      ['a bad percent escape', 'GET /%zz%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', /^HTTP\/1\.1 404 /],
      ['an asterisk target', 'GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', /^HTTP\/1\.1 404 /],
      ['an absolute URL that is one', 'GET http://elsewhere/api/history HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', /^HTTP\/1\.1 200 /],
    ];
    for (const [what, bytes, expected] of cases) {
      assert.match(await rawExchange(port, bytes), expected, what);
      assert.equal(await getStatus(dashboard.url + 'api/history'), 200, `still serving after ${what}`);
    }
  } finally {
    await dashboard.close();
  }
});

/** The resident memory of a process in MB (Linux), or NaN elsewhere. */
function rssMb(pid: number): number {
  const status = `/proc/${pid}/status`;
  if (!existsSync(status)) return Number.NaN;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(status, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

interface Slow { socket: Socket; closedAt: number | null; answer: string }

/** A connection that sends part of a request's headers and then nothing (slowloris). */
function halfOpen(port: number): Promise<Slow> {
  return new Promise((resolve) => {
    const slow: Slow = { socket: connect(port, '127.0.0.1'), closedAt: null, answer: '' };
    slow.socket.on('data', (chunk) => { slow.answer += chunk; });
    slow.socket.on('error', () => { /* reset by the server */ });
    slow.socket.on('close', () => { slow.closedAt = performance.now(); resolve(slow); });
    slow.socket.on('connect', () => {
      slow.socket.write('GET /api/history HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      resolve(slow);
    });
  });
}

/** An event stream request; resolves with its response (200 or 503). */
function openEvents(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url + 'events', { agent: false }, resolve);
    req.on('error', reject);
    req.end();
  });
}

test('a bounded flood of half-open connections and event streams: capped, timed out, and a real request still served', async (t) => {
  const headersTimeoutMs = 1500;
  const maxConnections = 200;
  const maxEventClients = 16;
  const floodSize = 1000;
  const dashboard = await startIsolatedDashboard(smallRun(), {
    port: 0, pollMs: 200, headersTimeoutMs, requestTimeoutMs: 3000, keepAliveTimeoutMs: 500, idleTimeoutMs: 3000,
    maxConnections, maxEventClients,
  }, { log: (line) => assert.fail(`the dashboard process stopped: ${line}`) });
  const pid = dashboard.pid!;
  const port = Number(new URL(dashboard.url).port);
  const slows: Slow[] = [];
  const streams: IncomingMessage[] = [];
  try {
    assert.equal(await getStatus(dashboard.url + 'api/history'), 200);
    const rssBefore = rssMb(pid);

    // The flood, 100 connections at a time so the listen backlog is not what refuses them.
    const floodStart = performance.now();
    for (let i = 0; i < floodSize; i += 100) slows.push(...await Promise.all(Array.from({ length: 100 }, () => halfOpen(port))));
    const floodSent = performance.now();
    await sleep(300);
    const openNow = slows.filter((s) => s.closedAt === null).length;
    assert.ok(openNow <= maxConnections, `${openNow} half-open connections still open, cap ${maxConnections}`);
    assert.ok(openNow >= maxConnections / 2, `the newest half-open connections are kept until they time out (${openNow} open)`);
    assert.equal(await getStatus(dashboard.url + 'api/history'), 200, 'a real request during the flood');

    // More event streams than allowed: the first ones stream, the rest get 503 at once.
    const responses = await Promise.all(Array.from({ length: maxEventClients + 8 }, () => openEvents(dashboard.url)));
    streams.push(...responses);
    for (const response of responses) if (response.statusCode !== 200) response.resume();
    const statuses = responses.map((r) => r.statusCode);
    assert.equal(statuses.filter((s) => s === 200).length, maxEventClients);
    assert.equal(statuses.filter((s) => s === 503).length, 8);
    assert.equal(await getStatus(dashboard.url + 'dashboard.css'), 200, 'a real request with the event streams full');
    const rssDuring = rssMb(pid);

    // Every half-open connection is closed within the headers timeout (plus Node's 1/4 checking beat and slack).
    while (slows.some((s) => s.closedAt === null) && performance.now() - floodSent < headersTimeoutMs + 3000) await sleep(50);
    const stillOpen = slows.filter((s) => s.closedAt === null).length;
    assert.equal(stillOpen, 0, `${stillOpen} half-open connections outlived the ${headersTimeoutMs} ms headers timeout`);
    const lastClosed = Math.max(...slows.map((s) => s.closedAt!));
    const timedOut = slows.filter((s) => s.answer.startsWith('HTTP/1.1 408')).length;
    assert.ok(timedOut > 0, 'the ones kept were answered 408 when their time ran out');

    // The event streams outlive the idle timeout: their keep-alives are traffic.
    const live = streams.filter((r) => r.statusCode === 200);
    let received = 0;
    for (const stream of live) stream.on('data', () => { received++; });
    await sleep(500);
    assert.ok(live.every((r) => !r.destroyed) && received >= live.length, 'the live event streams still stream');
    for (const stream of streams) stream.destroy();
    await sleep(300);
    assert.equal(await getStatus(dashboard.url + 'api/history'), 200);
    const rssAfter = rssMb(pid);
    t.diagnostic(`flood: ${floodSize} half-open connections (sent in ${(floodSent - floodStart).toFixed(0)} ms), ${openNow} kept (cap ${maxConnections}), ` +
      `${floodSize - timedOut} closed without an answer to make room, ${timedOut} answered 408; all closed ${(lastClosed - floodSent).toFixed(0)} ms after the flood ` +
      `(headers timeout ${headersTimeoutMs} ms); event streams: ${maxEventClients} served, 8 refused with 503; ` +
      `dashboard process RSS before ${rssBefore.toFixed(1)} MB, during ${rssDuring.toFixed(1)} MB, after ${rssAfter.toFixed(1)} MB`);
  } finally {
    for (const s of slows) s.socket.destroy();
    for (const stream of streams) stream.destroy();
    await dashboard.close();
  }
});

test('a kept-alive connection with no next request, and one that never sends a byte, are closed after their timeouts', async () => {
  const dashboard = await startDashboard(smallRun(), { port: 0, headersTimeoutMs: 600, keepAliveTimeoutMs: 300, idleTimeoutMs: 5000 });
  const port = Number(new URL(dashboard.url).port);
  try {
    const closedAfter = (bytes: string): Promise<{ ms: number; answer: string }> => new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      const start = performance.now();
      let answer = '';
      socket.on('data', (chunk) => { answer += chunk; });
      socket.on('error', () => { /* reset */ });
      socket.on('close', () => resolve({ ms: performance.now() - start, answer }));
      socket.write(bytes);
    });
    const [keptAlive, silent] = await Promise.all([closedAfter('GET /dashboard.css HTTP/1.1\r\nHost: x\r\n\r\n'), closedAfter('')]);
    assert.match(keptAlive.answer, /^HTTP\/1\.1 200 /);
    assert.ok(keptAlive.ms < 4000, `the kept-alive connection closed after ${keptAlive.ms.toFixed(0)} ms (keep-alive timeout 300 ms, idle 5000 ms)`);
    assert.match(silent.answer, /^HTTP\/1\.1 408 /, 'the silent one is told why');
    assert.ok(silent.ms < 4000, `the silent connection closed after ${silent.ms.toFixed(0)} ms (headers timeout 600 ms, idle 5000 ms)`);
  } finally {
    await dashboard.close();
  }
});
