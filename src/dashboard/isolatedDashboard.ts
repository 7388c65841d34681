import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DashboardProcessMessage } from './dashboardProcess.js';
import type { Dashboard, DashboardOptions } from './server.js';

/** The dashboard served from a process of its own. */
export interface IsolatedDashboard extends Dashboard {
  /** The serving process's id now (it changes when the process is restarted); null between restarts. */
  readonly pid: number | null;
}

export interface IsolationOptions {
  /** Told, in one line, when the dashboard process stops or cannot come back. */
  log: (line: string) => void;
  /** Restarts allowed within `restartWindowMs` (default 3 in 10 minutes); past it the dashboard stays off. */
  maxRestarts?: number;
  restartWindowMs?: number;
  /** Wait before a restart (default 1 s). */
  restartDelayMs?: number;
}

const entry = fileURLToPath(new URL('./dashboardProcess.js', import.meta.url));
/** Heap of the dashboard process: its history is a few thousand points; a leak stops there, not in the trainer. */
const HEAP_LIMIT_MB = 256;

/**
 * Runs the dashboard in a child process so that nothing it meets can touch the training: a
 * crash, a hang, a leak or all of its file handles stay in that process. When it stops, the
 * training is told in one line and it is started again on the same port (a page open on it
 * reconnects by itself), a few times at most.
 * Resolves once it listens; rejects with its one-line reason if the first start fails.
 */
export function startIsolatedDashboard(runDir: string, options: DashboardOptions, isolation: IsolationOptions): Promise<IsolatedDashboard> {
  const maxRestarts = isolation.maxRestarts ?? 3;
  const restartWindowMs = isolation.restartWindowMs ?? 600_000;
  const restartDelayMs = isolation.restartDelayMs ?? 1000;
  const restarts: number[] = [];
  let child: ChildProcess | null = null;
  let closing = false;
  let restartTimer: NodeJS.Timeout | null = null;
  let url = '';

  const launch = (port: number | undefined): Promise<string> => new Promise((resolve, reject) => {
    const proc = fork(entry, [JSON.stringify({ runDir, options: { ...options, port } })], {
      execArgv: [`--max-old-space-size=${HEAP_LIMIT_MB}`],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    child = proc;
    let stderr = '';
    proc.stderr!.setEncoding('utf8').on('data', (text: string) => { stderr = (stderr + text).slice(-8192); });
    let listening = false;
    proc.on('message', (message: DashboardProcessMessage) => {
      if (message.kind === 'listening') {
        listening = true;
        resolve(message.url);
      } else {
        reject(new Error(message.message));
      }
    });
    proc.on('error', (error) => { if (!listening) reject(new Error(`dashboard: cannot start its process: ${error.message}`)); });
    proc.on('exit', (code, signal) => {
      if (child === proc) child = null;
      if (!listening) {
        reject(new Error(`dashboard: its process stopped before listening (${signal ?? `exit code ${code}`})${reasonOf(stderr)}`));
      } else if (!closing) {
        stopped(`${signal ?? `exit code ${code}`}${reasonOf(stderr)}`);
      }
    });
  });

  const stopped = (why: string): void => {
    const now = Date.now();
    while (restarts.length > 0 && now - restarts[0] > restartWindowMs) restarts.shift();
    if (restarts.length >= maxRestarts) {
      isolation.log(`dashboard process stopped (${why}); training goes on without it (${maxRestarts} restarts in ${Math.round(restartWindowMs / 60_000)} min already)`);
      return;
    }
    restarts.push(now);
    isolation.log(`dashboard process stopped (${why}); training goes on; restarting it at ${url}`);
    restartTimer = setTimeout(() => {
      restartTimer = null;
      if (closing) return;
      launch(Number(new URL(url).port)).then(
        (next) => { if (next !== url) isolation.log(`dashboard restarted at ${next}`); url = next; },
        (error: Error) => isolation.log(`dashboard could not restart: ${error.message}; training goes on without it`),
      );
    }, restartDelayMs);
    restartTimer.unref();
  };

  const close = async (): Promise<void> => {
    closing = true;
    if (restartTimer) clearTimeout(restartTimer);
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((done) => proc.once('exit', () => done()));
    if (proc.connected) proc.disconnect(); // it exits when its channel closes
    else proc.kill('SIGKILL');
    const force = setTimeout(() => proc.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(force);
  };

  return launch(options.port).then(
    (first) => {
      url = first;
      return { get url() { return url; }, get pid() { return child?.pid ?? null; }, close };
    },
    async (error: Error) => {
      await close();
      throw error;
    },
  );
}

/** ": <the error line>" from a crashed process's stderr (its stack trace is not for the training console), or "". */
function reasonOf(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter(Boolean);
  const error = lines.find((line) => /^(\w*Error|Error)\b|^FATAL ERROR/.test(line)) ?? lines[lines.length - 1];
  return error ? `: ${error.slice(0, 200)}` : '';
}
