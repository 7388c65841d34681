/** Small formatting helpers for human-readable console output. */

export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60), s = Math.round(seconds % 60);
  if (m < 60) return `${m}m${String(s).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * The workers of a run as the console names them: `2 workers`, or with batched acting
 * (`--envs-per-thread K`, K > 1) `16 actor-learners on 2 threads (8 per thread, batched acting)`.
 */
export function formatWorkers(workers: number, envsPerThread: number): string {
  if (envsPerThread <= 1) return `${workers} worker${workers > 1 ? 's' : ''}`;
  const threads = Math.ceil(workers / envsPerThread); // as the coordinator groups them (train/batchedActors.ts threadRanks)
  return `${workers} actor-learner${workers > 1 ? 's' : ''} on ${threads} thread${threads > 1 ? 's' : ''} (${Math.min(envsPerThread, workers)} per thread, batched acting)`;
}

export { shellQuote } from '../util/shellQuote.js';

/** `runs/<env>-<yyyymmdd-hhmmss>`, in local time. */
export function defaultRunDir(env: string, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `runs/${env}-${stamp}`;
}
