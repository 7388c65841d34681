/** Spawning `a3c serve` and `a3c node` on loopback for the distributed tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../../bin/a3c.js', import.meta.url));

export interface Running {
  child: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  stderr: () => string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  /** Resolves with the first match of `pattern` in stderr (rejects after `ms`). */
  waitFor: (pattern: RegExp, ms?: number) => Promise<RegExpMatchArray>;
}

export function a3c(args: string[]): Running {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  const waiters: (() => void)[] = [];
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; for (const w of waiters.splice(0)) w(); });
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const waitFor = (pattern: RegExp, ms = 60_000): Promise<RegExpMatchArray> => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${ms / 1000} s; stderr:\n${text}`)), ms);
    const check = (): void => {
      const match = pattern.exec(text);
      if (match) { clearTimeout(timer); resolve(match); } else waiters.push(check);
    };
    check();
  });
  return { child, stderr: () => text, exited, waitFor };
}

/** Starts `a3c serve` and resolves with it and the address it bound. */
export async function startService(args: string[]): Promise<Running & { address: string }> {
  const service = a3c(['serve', ...args]);
  const [, address] = await service.waitFor(/listening on (\S+?);/);
  return { ...service, address };
}

export interface EpisodeLine { kind: string; episode: number; step: number; worker: number; wall_time: number }

export function episodesOf(runDir: string): EpisodeLine[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as EpisodeLine).filter((r) => r.kind === 'episode');
}

/** Episode numbers run 1..n without gap or repeat, and their steps never go back. */
export function checkEpisodeStream(episodes: EpisodeLine[]): string | null {
  for (let k = 0; k < episodes.length; k++) {
    if (episodes[k].episode !== k + 1) return `line ${k + 1} holds episode ${episodes[k].episode}`;
    if (k > 0 && episodes[k].step < episodes[k - 1].step) return `episode ${k + 1} at step ${episodes[k].step} after step ${episodes[k - 1].step}`;
  }
  return null;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
