import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Thrown when a directory the user named cannot be used; the message is one line with the fix. */
export class DirectoryError extends Error {}

/** Plain words for the file-system codes a user can act on. */
const MEANING: Record<string, string> = {
  ENOSPC: 'the disk is full', EDQUOT: 'the disk quota is used up', EROFS: 'the file system is read-only',
  EACCES: 'permission denied', EPERM: 'operation not permitted', ENOTDIR: 'a part of the path is not a directory',
  ENOENT: 'the file system refuses it', EEXIST: 'a file of that name is in the way', ELOOP: 'it is a symbolic link',
  EMFILE: 'too many open files', ENAMETOOLONG: 'the name is too long',
};
const FIX: Record<string, string> = {
  ENOSPC: 'free some space or choose a directory on another disk', EDQUOT: 'free some space or choose a directory on another disk',
  EROFS: 'choose a directory on a writable disk', EACCES: 'choose a directory you may write to', EPERM: 'choose a directory you may write to',
  EMFILE: 'close other programs or raise the limit (ulimit -n)',
};

/** The plain meaning of a file-system error code (undefined for codes without one). */
export function fsErrorMeaning(code: string | undefined): string | undefined {
  return code ? MEANING[code] : undefined;
}

/**
 * One line for a file-system error: the path, what it means and what to do, e.g.
 * `cannot write runs/x/metrics.jsonl: the disk is full (ENOSPC): free some space or ...`;
 * undefined for errors that are not the user's to fix.
 */
export function describeFsError(error: unknown): string | undefined {
  const e = error as NodeJS.ErrnoException;
  if (!e || typeof e !== 'object' || !e.code || !MEANING[e.code] || !FIX[e.code]) return undefined;
  const target = e.path ?? (e as { dest?: string }).dest;
  return `cannot ${e.syscall === 'open' || e.syscall === 'write' ? 'write' : e.syscall ?? 'use'} ${target ?? 'a file'}: ${MEANING[e.code]} (${e.code}): ${FIX[e.code]}`;
}

/**
 * Makes sure `path` is a directory this process can write to, creating it and its missing
 * parents one level at a time (Node's recursive mkdir never returns on some paths, e.g.
 * under /proc). Every problem is a DirectoryError naming `flag`, the path and the fix.
 */
export function prepareDirectory(path: string, flag: string): void {
  const fail = (why: string): never => { throw new DirectoryError(`${flag} ${path}: ${why}: choose another directory`); };
  const missing: string[] = [];
  let at = resolve(path);
  for (;;) {
    let stat;
    try { stat = statSync(at); } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') fail(`cannot look at ${at} (${fsErrorMeaning(code) ?? code})`);
    }
    if (stat) {
      if (!stat.isDirectory()) fail(`${at} is not a directory`);
      break;
    }
    missing.push(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const dir of missing.reverse()) {
    try { mkdirSync(dir); } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') fail(`cannot create ${dir} (${fsErrorMeaning(code) ?? code})`);
    }
  }
  try { accessSync(path, constants.W_OK | constants.X_OK); } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fail(`cannot write there (${fsErrorMeaning(code) ?? code})`);
  }
}
