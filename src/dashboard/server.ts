import { createReadStream, existsSync, openSync, readFileSync, readSync, closeSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIVE_FRAME_FILE } from '../metrics/liveFrame.js';
import { METRICS_FILE } from '../metrics/sinks.js';
import { bucketEpisodes, bucketEpisodesFromFile, parseEpisodeLines } from './history.js';

/**
 * The live dashboard of one run directory: a page with learning curves (uPlot) and worker 0's
 * game, fed by server-sent events. Everything comes from the run directory's files, so the
 * same server shows a run training in this process, in another one, or finished.
 */
export interface DashboardOptions {
  host?: string;
  port?: number;
  /** How often the run directory is polled for new episodes and frames. */
  pollMs?: number;
}

export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

const HISTORY_POINTS = 2000;
const LIVE_POINTS_PER_TICK = 50;
const MAX_LIVE_BYTES = 16 << 20;

const staticDir = fileURLToPath(new URL('../../../static/dashboard/', import.meta.url));
const require = createRequire(import.meta.url);
/** The only files the server hands out: a fixed table, so no request path reaches the disk. */
const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: join(staticDir, 'index.html'), type: 'text/html; charset=utf-8' },
  '/dashboard.js': { file: join(staticDir, 'dashboard.js'), type: 'text/javascript; charset=utf-8' },
  '/dashboard.css': { file: join(staticDir, 'dashboard.css'), type: 'text/css; charset=utf-8' },
  '/uplot.js': { file: require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/uplot.css': { file: require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

export function startDashboard(runDir: string, options: DashboardOptions = {}): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  const metricsPath = join(runDir, METRICS_FILE);
  const framePath = join(runDir, LIVE_FRAME_FILE);
  const clients = new Set<ServerResponse>();
  let metricsOffset = 0;
  let pending = '';
  let frameVersion = 0;
  let frameMtime = 0;

  const broadcast = (event: string, data: unknown): void => {
    const message = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of clients) client.write(message);
  };

  /** Reads what metrics.jsonl gained since the last poll (a resumed run may have shortened it). */
  const readNewEpisodes = (): Record<string, number>[] => {
    if (!existsSync(metricsPath)) return [];
    const size = statSync(metricsPath).size;
    if (size < metricsOffset || size - metricsOffset > MAX_LIVE_BYTES) {
      // Rewritten by a resume, or far ahead: the page reloads its history instead.
      metricsOffset = size;
      pending = '';
      broadcast('reload', {});
      return [];
    }
    if (size === metricsOffset) return [];
    const fd = openSync(metricsPath, 'r');
    try {
      const buffer = Buffer.alloc(size - metricsOffset);
      readSync(fd, buffer, 0, buffer.length, metricsOffset);
      metricsOffset = size;
      const text = pending + buffer.toString('utf8');
      const cut = text.lastIndexOf('\n');
      pending = text.slice(cut + 1);
      return parseEpisodeLines(text.slice(0, cut + 1));
    } finally {
      closeSync(fd);
    }
  };

  const history = (): unknown => {
    const { points, episodes } = existsSync(metricsPath) ? bucketEpisodesFromFile(metricsPath, HISTORY_POINTS) : { points: [], episodes: 0 };
    let config: unknown = null;
    try { config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')); } catch { /* not written yet */ }
    return { runDir, config, points, totalEpisodes: episodes, frameVersion };
  };

  const poll = (): void => {
    try {
      const fresh = readNewEpisodes();
      if (fresh.length > 0) broadcast('episodes', bucketEpisodes(fresh, LIVE_POINTS_PER_TICK));
      if (existsSync(framePath)) {
        const mtime = statSync(framePath).mtimeMs;
        if (mtime !== frameMtime) {
          frameMtime = mtime;
          broadcast('frame', { version: ++frameVersion });
        }
      }
      for (const client of clients) client.write(': keep-alive\n\n');
    } catch { /* the run directory is being rewritten; the next poll catches up */ }
  };

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const file = STATIC_FILES[path];
    if (file) {
      response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' });
      createReadStream(file.file).on('error', () => response.destroy()).pipe(response);
    } else if (path === '/api/history') {
      sendJson(response, history());
    } else if (path === '/live.png') {
      if (!existsSync(framePath)) {
        response.writeHead(404).end();
        return;
      }
      let bytes: Buffer;
      try { bytes = readFileSync(framePath); } catch { response.writeHead(404).end(); return; }
      response.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store' }).end(bytes);
    } else if (path === '/events') {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      response.write('retry: 1000\n\n');
      clients.add(response);
      const drop = (): void => { clients.delete(response); };
      request.on('close', drop);
      response.on('error', drop);
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  };

  const server: Server = createServer(handle);
  // Start reading from the file's current end: history() serves what is already there.
  if (existsSync(metricsPath)) metricsOffset = statSync(metricsPath).size;
  const timer = setInterval(poll, options.pollMs ?? 500);
  timer.unref();
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      clearInterval(timer);
      reject(new Error(error.code === 'EADDRINUSE'
        ? `dashboard: port ${options.port} on ${host} is in use: choose another with --port`
        : `dashboard: cannot listen on ${host}:${options.port ?? 0}: ${error.message}`));
    });
    server.listen(options.port ?? 0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      resolve({
        url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
        close: () => new Promise<void>((done) => {
          clearInterval(timer);
          for (const client of clients) client.end();
          clients.clear();
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}

function sendJson(response: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body);
}
