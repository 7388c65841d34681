/**
 * Synthetic actor nodes for `a3c bench service`: N clients that speak the protocol but do no
 * learning. Each sends a small random change as soon as its previous exchange is answered, so
 * the service, not the nodes, sets the pace. Run as a forked child process:
 *   node syntheticClients.js ADDRESS NODES f32|f16
 * It tells its parent 'ready' once every client is welcomed, and the clients start exchanging
 * when the parent answers 'go', so the measurement holds exchanges only.
 */
import * as grpc from '@grpc/grpc-js';
import { encodeTensor } from './codec.js';
import { CHANNEL_OPTIONS, PACKAGE_VERSION, PROTOCOL, Precision, learnerDefinition, type NodeMessage, type ServiceMessage } from './protocol.js';

const [address, nodesText, precisionText] = process.argv.slice(2);
await runClients(address, Number(nodesText), precisionText === 'f16' ? Precision.FLOAT16 : Precision.FLOAT32);
process.exit(0);

async function runClients(address: string, nodes: number, precision: Precision): Promise<void> {
  const { Client } = learnerDefinition();
  let welcomed = 0;
  const go = new Promise<void>((resolve) => process.on('message', (message) => { if (message === 'go') resolve(); }));
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
          if (++welcomed === nodes) process.send?.('ready');
          void go.then(send);
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
}
