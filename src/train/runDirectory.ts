import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { describeIssue, trainConfigSchema, type TrainConfig } from '../config.js';
import { LIVE_FRAME_FILE, writeLiveFrame } from '../metrics/liveFrame.js';
import { METRICS_FILE, truncateMetrics } from '../metrics/sinks.js';
import type { RgbImage } from '../io/png.js';

/**
 * A run directory and every name in it. The metrics writers (metrics/) still take the run
 * directory and add their own names (metrics.jsonl, live.png, events.out.tfevents.*); they are
 * listed here so one module says what a run directory holds.
 *
 *   config.json          the run's configuration (what `eval`, `play` and `--resume` read)
 *   lock                 the process training in it: {"pid","host","startedAt"}
 *   metrics.jsonl        one line per episode
 *   events.out.tfevents.* TensorBoard event files
 *   checkpoints/         ckpt-<12-digit step>.safetensors
 *   model.safetensors    the newest saved weights
 *   live.png             the dashboard's live frame
 */
export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
/** The evaluator's best weights, with their score and step in the metadata. */
export const BEST_WEIGHTS_FILE = 'best.safetensors';
export const CHECKPOINT_DIR = 'checkpoints';
export const LOCK_FILE = 'lock';
export { LIVE_FRAME_FILE, METRICS_FILE };

/** What a lock file holds. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the holder took the lock. */
  startedAt: string;
}

/** Temp files of atomic writes (io/atomicFile.ts: `.<name>.<pid>.<ms>.tmp`). */
const TEMP_FILE = /^\..+\.\d+\.\d+\.tmp$/;
/** A lock file that is still empty this long after it was created belongs to a process killed while taking it. */
const EMPTY_LOCK_GRACE_MS = 5000;
/** Lock files this process holds: a lock naming this PID and host that is not among them was left by an earlier process given the same PID (a restarted container is PID 1 again). */
const heldHere = new Set<string>();

export class RunDirectory {
  private released = false;

  /** Use RunDirectory.lock: a RunDirectory is only made by the process that holds the lock. */
  private constructor(readonly path: string, readonly holder: LockHolder, readonly removedTempFiles: string[], private readonly created: boolean) {}

  /**
   * Takes the run directory for this process before anything is written in it: creates it if
   * needed, takes its lock (refusing with one line naming the holder while another live process
   * has it; taking over a lock whose process is gone), then removes temp files that a killed
   * process left behind.
   */
  static lock(path: string): RunDirectory {
    const created = !existsSync(path);
    try {
      mkdirSync(path, { recursive: true });
    } catch (error) {
      throw new Error(`cannot write to the run directory ${path}: ${describeError(error)}: choose another with --run-dir`);
    }
    const holder: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
    takeLock(join(path, LOCK_FILE), holder, path);
    const removed: string[] = [];
    for (const dir of [path, join(path, CHECKPOINT_DIR)]) {
      let names: string[];
      try { names = readdirSync(dir); } catch { continue; }
      for (const name of names) {
        if (!TEMP_FILE.test(name)) continue;
        try { unlinkSync(join(dir, name)); removed.push(join(dir, name)); } catch { /* gone already */ }
      }
    }
    return new RunDirectory(path, holder, removed, created);
  }

  get configPath(): string { return join(this.path, CONFIG_FILE); }
  get weightsPath(): string { return join(this.path, WEIGHTS_FILE); }
  get bestWeightsPath(): string { return join(this.path, BEST_WEIGHTS_FILE); }
  get metricsPath(): string { return join(this.path, METRICS_FILE); }
  get checkpointsDir(): string { return join(this.path, CHECKPOINT_DIR); }
  get lockPath(): string { return join(this.path, LOCK_FILE); }

  /**
   * Stores the config and readies metrics.jsonl: empty for a fresh run; for a resumed one cut
   * back to the episodes its checkpoint counted (`resumedEpisodes`) and its other records to the
   * checkpoint's step (`resumedSteps`), so the curve stays continuous.
   */
  prepare(config: TrainConfig, resumedEpisodes: number | null, resumedSteps?: number): void {
    try {
      writeFileSync(this.configPath, JSON.stringify(config, null, 2) + '\n');
      if (resumedEpisodes === null) writeFileSync(this.metricsPath, '');
      if (resumedEpisodes === null) rmSync(this.bestWeightsPath, { force: true }); // not this run's
    } catch (error) {
      throw new Error(`cannot write to the run directory ${this.path}: ${describeError(error)}: choose another with --run-dir`);
    }
    if (resumedEpisodes !== null) truncateMetrics(this.path, resumedEpisodes, resumedSteps);
  }

  readConfig(): TrainConfig {
    return loadRunConfig(this.path);
  }

  /** Best-effort: the live view may miss a frame. */
  writeLiveFrame(frame: RgbImage): void {
    try { writeLiveFrame(this.path, frame); } catch { /* the live view is best-effort */ }
  }

  /**
   * Gives the lock up (only if it is still this process's); a directory the lock created and
   * nothing else was written to goes too (a run refused before it started leaves nothing).
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    const current = readHolder(this.lockPath);
    if (current && current.pid === this.holder.pid && current.host === this.holder.host && current.startedAt === this.holder.startedAt) {
      try { unlinkSync(this.lockPath); } catch { /* gone already */ }
    }
    heldHere.delete(resolve(this.lockPath));
    if (this.created) {
      try { rmdirSync(this.path); } catch { /* not empty: a run was written */ }
    }
  }
}

function takeLock(lockPath: string, holder: LockHolder, runDir: string): void {
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(lockPath, 'wx', 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new Error(`cannot write to the run directory ${runDir}: ${describeError(error)}: choose another with --run-dir`);
      }
      const current = readHolder(lockPath);
      if (current === undefined) continue; // removed meanwhile: try again
      if (current === null) {
        // Empty or torn: its writer is either taking it right now or was killed doing so.
        let age = Number.POSITIVE_INFINITY;
        try { age = Date.now() - statSync(lockPath).mtimeMs; } catch { continue; }
        if (age < EMPTY_LOCK_GRACE_MS) throw new Error(`${runDir} is being taken by another process (its lock file ${lockPath} was just created): wait for it, or choose another --run-dir`);
      } else if (isAlive(current, lockPath)) {
        const elsewhere = current.host === hostname() ? '' : ` (if it is gone, as a replaced container is, delete ${lockPath})`;
        throw new Error(`${runDir} is in use by process ${current.pid} on ${current.host} (since ${current.startedAt}): wait for it to finish, stop it, or choose another --run-dir${elsewhere}`);
      }
      takeOverStale(lockPath, current);
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(holder) + '\n');
    } finally {
      closeSync(fd);
    }
    heldHere.add(resolve(lockPath));
    return;
  }
  throw new Error(`cannot take the lock ${lockPath}: other processes keep taking it: choose another --run-dir`);
}

/**
 * Moves a stale lock aside, then checks that what was moved is the lock judged stale; a lock
 * another process took meanwhile is put back.
 */
function takeOverStale(lockPath: string, stale: LockHolder | null): void {
  const aside = `${lockPath}.stale.${process.pid}`;
  try { renameSync(lockPath, aside); } catch { return; }
  const moved = readHolder(aside);
  const same = stale === null ? moved === null : moved !== null && moved !== undefined && moved.pid === stale.pid && moved.host === stale.host && moved.startedAt === stale.startedAt;
  if (!same && !existsSync(lockPath)) {
    try { renameSync(aside, lockPath); } catch { /* keep going: the next attempt reads whatever is there */ }
    return;
  }
  try { unlinkSync(aside); } catch { /* gone already */ }
}

/** The holder in a lock file; null when the file is empty or not a holder; undefined when it does not exist. */
function readHolder(lockPath: string): LockHolder | null | undefined {
  let text: string;
  try { text = readFileSync(lockPath, 'utf8'); } catch { return undefined; }
  try {
    const raw = JSON.parse(text) as Partial<LockHolder>;
    if (typeof raw.pid === 'number' && typeof raw.host === 'string' && typeof raw.startedAt === 'string') return raw as LockHolder;
  } catch { /* torn */ }
  return null;
}

/** A holder on another host is taken to be alive: its PID means nothing here. */
function isAlive(holder: LockHolder, lockPath: string): boolean {
  if (holder.host !== hostname()) return true;
  if (holder.pid === process.pid) return heldHere.has(resolve(lockPath));
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by someone else
  }
}

/** Reads and validates a run directory's config.json. */
export function loadRunConfig(runDir: string): TrainConfig {
  const path = join(runDir, CONFIG_FILE);
  if (!existsSync(runDir)) throw new Error(`run directory ${runDir} does not exist`);
  if (!existsSync(path)) throw new Error(`${path} is missing: is ${runDir} a run directory written by 'a3c train'?`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new Error(`${path} is not valid JSON (truncated or corrupt)`);
  }
  const parsed = trainConfigSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${path}: ${describeIssue(parsed.error, raw)}`);
  return parsed.data;
}

/** One line for an error, with the plain meaning of common file-system codes. */
export function describeError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const meaning: Record<string, string> = {
    ENOSPC: 'the disk is full', EROFS: 'the file system is read-only', EACCES: 'permission denied',
    EPERM: 'operation not permitted', ENOTDIR: 'a path component is not a directory', EDQUOT: 'disk quota exceeded',
  };
  if (e && typeof e === 'object' && e.code && meaning[e.code]) return `${meaning[e.code]} (${e.code}${e.path ? `: ${e.path}` : ''})`;
  return e instanceof Error ? e.message : String(error);
}
