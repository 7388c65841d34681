/**
 * Throughput of actor nodes against one process (`a3c bench nodes`): for each node count n, a
 * learner service (serve(), in this process, on loopback) with n `a3c node` processes of w
 * workers, then `a3c train` with n x w workers, each for the same seconds in the same window.
 * Rates are taken between the first and the last periodic scalar record (every 5 s), so process
 * start-up and the nodes' joining count for neither.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MetricsRecord } from '../metrics/records.js';
import type { MetricsSink } from '../metrics/sinks.js';
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

/** Collects the periodic scalar records of a run. */
class ScalarRecords implements MetricsSink {
  readonly records: MetricsRecord[] = [];
  write(record: MetricsRecord): void { if (record.kind === 'scalars') this.records.push(record); }
  flush(): void {}
  close(): void {}
  /** Steps per second between the first and the last record (NaN with fewer than two). */
  stepsPerSecond(): number {
    const first = this.records[0], last = this.records.at(-1);
    return first && last && last !== first ? (last.step - first.step) / (last.wall_time - first.wall_time) : NaN;
  }
  /** The mean of a value over the records after the first. */
  mean(key: string): number {
    const values = this.records.slice(1).map((r) => r.values[key]).filter((v) => v !== undefined);
    return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
  }
}

export async function benchNodes(o: NodesBenchOptions): Promise<NodesBenchRow[]> {
  const rows: NodesBenchRow[] = [];
  for (const n of o.counts) {
    const service = new ScalarRecords();
    await withTempDir(async (dir) => {
      const config = buildTrainConfig(o.env, { workers: 1, seed: 0, maxSeconds: o.seconds, targetReturn: null });
      const nodes: ChildProcess[] = [];
      try {
        await serve(config, dir, { sinks: [service] }, {
          address: { host: '127.0.0.1', port: 0 }, token: '', stopGraceMs: 2000,
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
    const single = new ScalarRecords();
    await withTempDir(async (dir) => {
      await train(buildTrainConfig(o.env, { workers: n * o.workersPerNode, seed: 0, maxSeconds: o.seconds, targetReturn: null }), dir, { sinks: [single] });
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
