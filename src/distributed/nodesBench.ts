/**
 * Throughput of actor nodes against one process (`a3c bench nodes`): for each node count n, a
 * learner service (serve(), in this process, on loopback) with n `a3c node` processes of w
 * workers, then `a3c train` with n x w workers, each for the same seconds in the same window.
 * Rates are taken over a window of `seconds` that opens 3 s after the last node joined (train:
 * 3 s after it started), so process start-up and joining count for neither.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MetricsRecord } from '../metrics/records.js';
import type { MetricsSink } from '../metrics/sinks.js';
import type { Progress } from '../train/runMonitor.js';
import { train } from '../presetEngine.js';
import { buildTrainConfig } from '../runConfig.js';
import { serve } from './learnerService.js';

export interface NodesBenchRow {
  nodes: number;
  workers_per_node: number;
  /** Agent steps/s of the service with these nodes. */
  service_steps_per_s: number;
  /** Agent steps/s of `a3c train` with nodes x workers workers. */
  train_steps_per_s: number;
  exchanges_per_s: number;
  megabytes_per_s: number;
}

export interface NodesBenchOptions {
  env: string;
  counts: number[];
  workersPerNode: number;
  seconds: number;
  precision: 'f32' | 'f16';
  syncEvery?: number;
}

const CLI = fileURLToPath(new URL('../../../bin/a3c.js', import.meta.url));

/** Seconds of training after the last node joined (or train started) before the window opens. */
const WARM_UP_S = 3;

/**
 * A measurement window over a run: opened by open() (after the warm-up), closed `seconds`
 * later, when it aborts the run. Reads the run's progress every tick and its scalar records.
 */
class Window implements MetricsSink {
  readonly stop = new AbortController();
  private start: { at: number; steps: number } | null = null;
  private end: { at: number; steps: number } | null = null;
  private readonly records: MetricsRecord[] = [];
  private openAt = Infinity;
  constructor(private readonly seconds: number) {}
  /** Opens the window WARM_UP_S from now. */
  openSoon(): void { this.openAt = performance.now() + WARM_UP_S * 1000; }
  tick(progress: Progress): void {
    const now = performance.now();
    if (this.start === null && now >= this.openAt) this.start = { at: now, steps: progress.globalSteps };
    if (this.start !== null && this.end === null && now - this.start.at >= this.seconds * 1000) {
      this.end = { at: now, steps: progress.globalSteps };
      this.stop.abort();
    }
  }
  write(record: MetricsRecord): void { if (record.kind === 'scalars' && this.start !== null && this.end === null) this.records.push(record); }
  flush(): void {}
  close(): void {}
  /** Agent steps per second inside the window (NaN if it never closed). */
  stepsPerSecond(): number {
    return this.start && this.end ? (this.end.steps - this.start.steps) / ((this.end.at - this.start.at) / 1000) : NaN;
  }
  /** The mean of a scalar over the records inside the window. */
  mean(key: string): number {
    const values = this.records.map((r) => r.values[key]).filter((v) => v !== undefined);
    return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
  }
}

export async function benchNodes(o: NodesBenchOptions): Promise<NodesBenchRow[]> {
  const rows: NodesBenchRow[] = [];
  // The run's own limit only guards a node that never joins.
  const guard = o.seconds + 120;
  for (const n of o.counts) {
    const service = new Window(o.seconds);
    await withTempDir(async (dir) => {
      const config = buildTrainConfig(o.env, { workers: 1, seed: 0, maxSeconds: guard, targetReturn: null });
      const nodes: ChildProcess[] = [];
      let joined = 0;
      try {
        await serve(config, dir, { sinks: [service], signal: service.stop.signal, onTick: (p) => service.tick(p) }, {
          address: { host: '127.0.0.1', port: 0 }, token: '', stopGraceMs: 2000,
          log: (line) => { if (/ joined with /.test(line) && ++joined === n) service.openSoon(); },
          onListening: (address) => {
            for (let k = 0; k < n; k++) {
              const args = [CLI, 'node', '--connect', address, '--workers', String(o.workersPerNode), '--precision', o.precision, '--retry-for', '10'];
              if (o.syncEvery !== undefined) args.push('--sync-every', String(o.syncEvery));
              nodes.push(spawn(process.execPath, args, { stdio: 'ignore' }));
            }
          },
        });
      } finally {
        await Promise.all(nodes.map((child) => new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.on('exit', () => { clearTimeout(timer); resolve(); });
        })));
      }
    });
    const single = new Window(o.seconds);
    single.openSoon();
    await withTempDir(async (dir) => {
      const config = buildTrainConfig(o.env, { workers: n * o.workersPerNode, seed: 0, maxSeconds: guard, targetReturn: null });
      await train(config, dir, { signal: single.stop.signal, onTick: (p) => single.tick(p) });
    });
    rows.push({
      nodes: n, workers_per_node: o.workersPerNode,
      service_steps_per_s: service.stepsPerSecond(), train_steps_per_s: single.stepsPerSecond(),
      exchanges_per_s: service.mean('distributed/exchanges_per_second'), megabytes_per_s: service.mean('distributed/megabytes_per_second'),
    });
  }
  return rows;
}

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-bench-nodes-'));
  try {
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
