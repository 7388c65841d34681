import { readFileSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIVE_FRAME_FILE } from '../metrics/liveFrame.js';
import { METRICS_FILE } from '../metrics/sinks.js';
import { ConnectionLimiter } from './connections.js';
import { bucketEpisodes, EpisodeHistory, parseEpisodeLine } from './history.js';
import { MetricsTail } from './metricsTail.js';

/**
 * The live dashboard of one run directory: a page with learning curves (uPlot) and worker 0's
 * game, fed by server-sent events. Everything comes from the run directory's files, so the
 * same server shows a run training in this process, in another one, or finished.
 *
 * Nothing a client sends may stop it or starve the process: every request is answered or
 * closed (400 for what is not HTTP or not a URL), slow and idle connections time out, open
 * connections and event streams are capped, and metrics.jsonl is read once, incrementally.
 */
export interface DashboardOptions {
  host?: string;
  port?: number;
  /** How often the run directory is polled for new episodes and frames (default 500 ms). */
  pollMs?: number;
  /** A request's headers must arrive within this (default 10 s): slow-header (slowloris) clients are closed. */
  headersTimeoutMs?: number;
  /** A whole request must arrive within this (default 30 s; at least headersTimeoutMs). */
  requestTimeoutMs?: number;
  /** A kept-alive connection with no next request is closed after this (default 5 s). */
  keepAliveTimeoutMs?: number;
  /** A connection with no traffic either way is closed after this (default 30 s; event streams are exempt). */
  idleTimeoutMs?: number;
  /** Open connections at most (default 128); past it the oldest connection not being answered is closed. */
  maxConnections?: number;
  /** Event streams (/events) at most (default 64); more get 503. */
  maxEventClients?: number;
  /** An event stream is ended after this (default 10 min; the page reconnects), so a client gone silent frees its place. */
  eventStreamMaxMs?: number;
}

export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

const HISTORY_POINTS = 2000;
const LIVE_POINTS_PER_TICK = 50;
/** Episodes kept between two polls; more (a backlog) and the page reloads its history instead. */
const MAX_LIVE_EPISODES = 20_000;
/** Bytes an event stream may have queued; a client that far behind is not reading and is dropped. */
const MAX_EVENT_BACKLOG = 256 << 10;
const MAX_FRAME_BYTES = 8 << 20;
const MAX_CONFIG_BYTES = 1 << 20;
const MAX_HEADER_BYTES = 16 << 10;

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

const EVENT_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' };

/** The path of a request target, or null where it is no URL at all (`//[`, `http://[/`). */
export function requestPath(target: string | undefined): string | null {
  try {
    return new URL(target ?? '/', 'http://localhost').pathname;
  } catch {
    return null;
  }
}

export function startDashboard(runDir: string, options: DashboardOptions = {}): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const requestTimeout = Math.max(headersTimeout, options.requestTimeoutMs ?? 30_000);
  const maxEventClients = options.maxEventClients ?? 64;
  const eventStreamMaxMs = options.eventStreamMaxMs ?? 600_000;
  const framePath = join(runDir, LIVE_FRAME_FILE);
  // Read once: a page load costs no file handle, and a deleted static file cannot fail a request.
  const staticFiles = new Map(Object.entries(STATIC_FILES).map(([path, { file, type }]) => [path, { bytes: readFileSync(file), type }]));

  const clients = new Set<ServerResponse>();
  const history = new EpisodeHistory(HISTORY_POINTS);
  /** Episodes read since the last broadcast; null until the file's first pass is done (that is history, not news). */
  let fresh: Record<string, number>[] | null = null;
  let backlog = false;
  let rewritten = false;
  const tail = new MetricsTail(join(runDir, METRICS_FILE), {
    line: (line) => {
      const episode = parseEpisodeLine(line);
      if (!episode) return;
      history.add(episode);
      if (fresh === null) return;
      if (fresh.length < MAX_LIVE_EPISODES) fresh.push(episode);
      else backlog = true;
    },
    reset: () => {
      history.clear();
      rewritten = true;
    },
  });
  const firstPass = tail.catchUp().catch(() => { /* unreadable for now: the polls retry */ }).then(() => { fresh = []; });
  let frame: Buffer | null = null;
  let frameVersion = 0;
  let frameMtime = 0;

  const send = (client: ServerResponse, message: string): void => {
    if (client.writableLength > MAX_EVENT_BACKLOG) {
      clients.delete(client);
      client.destroy();
    } else {
      client.write(message);
    }
  };
  const broadcast = (event: string, data: unknown): void => {
    const message = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of clients) send(client, message);
  };

  const pollFrame = async (): Promise<void> => {
    let info;
    try { info = await stat(framePath); } catch { return; } // no frame yet
    if (info.mtimeMs === frameMtime || info.size > MAX_FRAME_BYTES) return;
    const bytes = await readSmallFile(framePath, MAX_FRAME_BYTES);
    if (!bytes) return;
    frameMtime = info.mtimeMs;
    frame = bytes;
    broadcast('frame', { version: ++frameVersion });
  };

  let polling = false;
  const poll = async (): Promise<void> => {
    if (polling) return;
    polling = true;
    try {
      await firstPass;
      await tail.catchUp();
      if (rewritten || backlog) {
        // Rewritten by a resume, or far ahead: the page reloads its history instead.
        rewritten = backlog = false;
        fresh = [];
        broadcast('reload', {});
      } else if (fresh && fresh.length > 0) {
        broadcast('episodes', bucketEpisodes(fresh, LIVE_POINTS_PER_TICK));
        fresh = [];
      }
      await pollFrame();
      for (const client of clients) send(client, ': keep-alive\n\n');
    } catch { /* the run directory is being rewritten; the next poll catches up */ } finally {
      polling = false;
    }
  };

  const historyBody = async (): Promise<string> => {
    await firstPass;
    try { await tail.catchUp(); } catch { /* serve what was read; the polls retry */ }
    let config: unknown = null;
    const configBytes = await readSmallFile(join(runDir, 'config.json'), MAX_CONFIG_BYTES);
    try { config = configBytes ? JSON.parse(configBytes.toString('utf8')) : null; } catch { /* being written */ }
    return JSON.stringify({ runDir, config, points: history.snapshot(), totalEpisodes: history.episodes, frameVersion });
  };

  const openEvents = (request: IncomingMessage, response: ServerResponse): void => {
    if (request.method === 'HEAD') {
      response.writeHead(200, EVENT_HEADERS).end();
      return;
    }
    if (clients.size >= maxEventClients) {
      refuse(response, 503, `at most ${maxEventClients} live event streams; try again later\n`, { 'retry-after': '5' });
      return;
    }
    // Its keep-alive comments are its traffic; a client that stops reading is caught by the backlog check.
    request.socket.setTimeout(0);
    request.socket.setKeepAlive(true, 30_000);
    response.writeHead(200, EVENT_HEADERS);
    response.write('retry: 1000\n\n');
    clients.add(response);
    const expiry = setTimeout(() => response.end(), eventStreamMaxMs);
    expiry.unref();
    response.on('close', () => {
      clearTimeout(expiry);
      clients.delete(response);
    });
  };

  const route = (request: IncomingMessage, response: ServerResponse): void => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      refuse(response, 405, 'only GET and HEAD\n', { allow: 'GET, HEAD' });
      return;
    }
    const path = requestPath(request.url);
    if (path === null) {
      refuse(response, 400, 'bad request target\n');
      return;
    }
    const file = staticFiles.get(path);
    if (file) {
      response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' }).end(file.bytes);
    } else if (path === '/api/history') {
      historyBody().then(
        (body) => { response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body); },
        () => refuse(response, 500, 'history unavailable\n'),
      );
    } else if (path === '/live.png') {
      if (frame) response.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store' }).end(frame);
      else response.writeHead(404, { 'content-type': 'text/plain' }).end('no frame yet\n');
    } else if (path === '/events') {
      openEvents(request, response);
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  };

  const limiter = new ConnectionLimiter(options.maxConnections ?? 128);
  const server: Server = createServer({
    headersTimeout, requestTimeout, maxHeaderSize: MAX_HEADER_BYTES,
    // Node checks the two timeouts above on this beat (its default, 30 s, would let them run late).
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))),
  }, (request, response) => {
    const socket = request.socket;
    limiter.requestStarted(socket);
    response.on('close', () => limiter.requestFinished(socket));
    response.on('error', () => { /* the client went away; 'close' follows */ });
    try {
      route(request, response);
    } catch {
      if (!response.headersSent) refuse(response, 500, 'internal error\n');
      else response.destroy();
    }
  });
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 5_000;
  server.setTimeout(options.idleTimeoutMs ?? 30_000); // no listener: Node destroys the idle socket
  server.on('connection', (socket: Socket) => limiter.admit(socket));
  server.on('clientError', answerClientError);

  const timer = setInterval(() => void poll(), options.pollMs ?? 500);
  timer.unref();
  void poll();
  return new Promise((resolve, reject) => {
    const listenFailed = (error: NodeJS.ErrnoException): void => {
      clearInterval(timer);
      reject(new Error(error.code === 'EADDRINUSE'
        ? `dashboard: port ${options.port} on ${host} is in use: choose another with --port`
        : `dashboard: cannot listen on ${host}:${options.port ?? 0}: ${error.message}`));
    };
    server.once('error', listenFailed);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', listenFailed);
      server.on('error', () => { /* after listening: an accept failure (EMFILE) must not end the process */ });
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      resolve({
        url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
        close: () => new Promise<void>((done) => {
          clearInterval(timer);
          tail.stop();
          for (const client of clients) client.end();
          clients.clear();
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}

/** A short plain-text answer that also ends the connection (nothing more is read from it). */
function refuse(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'text/plain', connection: 'close', ...headers }).end(text);
}

/**
 * What the HTTP parser could not take (garbage, a bad method, headers over 16 KB, a timeout):
 * one status line, then the connection closes. Replies only when no response is under way.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code !== 'ECONNRESET' && socket.writable && !inFlight?.headersSent) {
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    socket.write(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  }
  socket.destroy();
}

/** A file's bytes if it exists and is at most `limit` bytes, else null. */
async function readSmallFile(path: string, limit: number): Promise<Buffer | null> {
  let file;
  try { file = await open(path, 'r'); } catch { return null; }
  try {
    const { size } = await file.stat();
    if (size > limit) return null;
    const buffer = Buffer.alloc(size);
    const { bytesRead } = await file.read(buffer, 0, size, 0);
    return buffer.subarray(0, bytesRead);
  } catch {
    return null;
  } finally {
    await file.close();
  }
}
