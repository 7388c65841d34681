/**
 * The learner service's capacity, measured with synthetic nodes: a real service (serve(), in
 * this process, on loopback, for the environment given) and N clients in a child process that
 * speak the protocol but do no learning: each sends a small random change as soon as its
 * previous exchange is answered. Prints exchanges per second, bytes per exchange and the
 * service process's CPU per exchange, from which the number of real nodes it can feed follows.
 *
 *   node dist/src/distributed/syntheticNodes.js [env=breakout] [nodes=4] [seconds=10] [f32|f16]
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { trainConfigSchema } from '../config.js';
import { getPreset } from '../presets.js';
import { encodeTensor } from './codec.js';
import { serve } from './learnerService.js';
import { CHANNEL_OPTIONS, PACKAGE_VERSION, PROTOCOL, Precision, learnerDefinition, type NodeMessage, type ServiceMessage } from './protocol.js';

const [role, ...rest] = process.argv.slice(2);

if (role === '--clients') {
  const [address, nodesText, precisionText] = rest;
  await runClients(address, Number(nodesText), precisionText === 'f16' ? Precision.FLOAT16 : Precision.FLOAT32);
} else {
  const env = role ?? 'breakout';
  const nodes = Number(rest[0] ?? 4), seconds = Number(rest[1] ?? 10), precision = rest[2] === 'f16' ? 'f16' : 'f32';
  const dir = mkdtempSync(join(tmpdir(), 'a3c-capacity-'));
  const config = trainConfigSchema.parse({ ...getPreset(env).defaults, env, targetReturn: null, evalEverySeconds: null, maxSeconds: seconds + 2, workers: 1, seed: 0 });
  let clients: ReturnType<typeof fork> | null = null;
  let cpuAtStart = process.cpuUsage(), startedAt = performance.now();
  // Measured from the moment the service listens to its end: the welcomes are included (a few per run).
  const summary = await serve(config, dir, {}, {
    address: { host: '127.0.0.1', port: 0 }, token: '', stopGraceMs: 1000,
    onListening: (address) => {
      cpuAtStart = process.cpuUsage();
      startedAt = performance.now();
      clients = fork(fileURLToPath(import.meta.url), ['--clients', address, String(nodes), precision], { stdio: 'inherit' });
    },
  });
  const cpu = process.cpuUsage(cpuAtStart);
  const elapsed = (performance.now() - startedAt) / 1000;
  const { exchanges, bytesIn, bytesOut, handlingMs } = summary.service;
  (clients as ReturnType<typeof fork> | null)?.kill();
  console.log(JSON.stringify({
    env, net: config.net, nodes, precision, seconds: Number(elapsed.toFixed(1)), exchanges,
    exchanges_per_second: Number((exchanges / elapsed).toFixed(1)),
    bytes_per_exchange_in: Math.round(bytesIn / Math.max(1, exchanges)),
    bytes_per_exchange_out: Math.round(bytesOut / Math.max(1, exchanges)),
    service_cpu_ms_per_exchange: Number(((cpu.user + cpu.system) / 1000 / Math.max(1, exchanges)).toFixed(2)),
    service_handling_ms_per_exchange: Number((handlingMs / Math.max(1, exchanges)).toFixed(2)),
  }));
  rmSync(dir, { recursive: true, force: true });
}

async function runClients(address: string, nodes: number, precision: Precision): Promise<void> {
  const { Client } = learnerDefinition();
  await Promise.all(Array.from({ length: nodes }, async (_, k) => {
    const client = new Client(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    const call = (client as unknown as { Session: () => grpc.ClientDuplexStream<NodeMessage, ServiceMessage> }).Session();
    let delta: ReturnType<typeof encodeTensor> | null = null;
    let sequence = 0;
    const send = (): void => {
      call.write({ kind: 'exchange', exchange: { sequence: ++sequence, delta: delta!, steps: 100, updates: 5, skipped_updates: 0, episodes: [], leaving: false, moment1: null, moment2: null } });
    };
    await new Promise<void>((resolve) => {
      call.on('data', (message: ServiceMessage) => {
        if (message.kind === 'welcome') {
          const values = new Float32Array(message.welcome.param_count);
          for (let i = 0; i < values.length; i++) values[i] = (Math.random() - 0.5) * 1e-6;
          delta = encodeTensor(values, precision);
          send();
        } else if (message.kind === 'weights') {
          if (message.weights.stop) { call.end(); resolve(); } else send();
        } else resolve();
      });
      call.on('error', () => resolve());
      call.on('end', () => resolve());
      call.write({ kind: 'hello', hello: { protocol: PROTOCOL, version: PACKAGE_VERSION, token: '', env: '', run_hash: '', precision, workers: 1, name: `synthetic-${k}` } });
    });
    client.close();
  }));
  process.exit(0);
}
