/**
 * The learner service's capacity (`a3c bench service`): a real service (serve(), in this
 * process, on loopback) fed by synthetic nodes in a child process that answer every reply at
 * once. Exchanges per second, bytes per exchange and the service's CPU per exchange say how many
 * real nodes it can feed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTrainConfig } from '../runConfig.js';
import { serve } from './learnerService.js';

export interface ServiceBenchResult {
  env: string;
  net: string;
  nodes: number;
  precision: 'f32' | 'f16';
  seconds: number;
  exchanges: number;
  exchanges_per_s: number;
  bytes_per_exchange_in: number;
  bytes_per_exchange_out: number;
  /** The service process's CPU time (user + system) per exchange. */
  service_cpu_ms_per_exchange: number;
  /** Of which decoding, applying and encoding on the service's thread. */
  service_handling_ms_per_exchange: number;
}

const CLIENTS = fileURLToPath(new URL('./syntheticClients.js', import.meta.url));

export async function benchService(env: string, nodes: number, seconds: number, precision: 'f32' | 'f16'): Promise<ServiceBenchResult> {
  const config = buildTrainConfig(env, { workers: 1, seed: 0, targetReturn: null });
  const stop = new AbortController();
  const dir = mkdtempSync(join(tmpdir(), 'a3c-bench-service-'));
  let clients: ChildProcess | null = null;
  let cpuAtStart = process.cpuUsage(), startedAt = performance.now();
  try {
    // Measured from the moment every client is welcomed (they wait for 'go') to the stop.
    const summary = await serve(config, dir, { signal: stop.signal }, {
      address: { host: '127.0.0.1', port: 0 }, token: '', stopGraceMs: 1000,
      onListening: (address) => {
        const child = fork(CLIENTS, [address, String(nodes), precision], { stdio: 'inherit' });
        clients = child;
        child.on('message', (message) => {
          if (message !== 'ready') return;
          cpuAtStart = process.cpuUsage();
          startedAt = performance.now();
          child.send('go');
          setTimeout(() => stop.abort(), seconds * 1000);
        });
        child.on('exit', () => stop.abort());
      },
    });
    const cpu = process.cpuUsage(cpuAtStart);
    const elapsed = (performance.now() - startedAt) / 1000;
    const { exchanges, bytesIn, bytesOut, handlingMs } = summary.service;
    const per = Math.max(1, exchanges);
    return {
      env: config.env, net: config.net, nodes, precision, seconds: elapsed, exchanges,
      exchanges_per_s: exchanges / elapsed,
      bytes_per_exchange_in: bytesIn / per, bytes_per_exchange_out: bytesOut / per,
      service_cpu_ms_per_exchange: (cpu.user + cpu.system) / 1000 / per,
      service_handling_ms_per_exchange: handlingMs / per,
    };
  } finally {
    (clients as ChildProcess | null)?.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
