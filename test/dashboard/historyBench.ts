/**
 * Benchmark, not a test: `/api/history` latency on a big metrics.jsonl (generated once under
 * /tmp), for one request and for ten at once, and how long a small static file waits meanwhile.
 * Usage: node dist/test/dashboard/historyBench.js [megabytes=195] [rounds=3]
 */
import { createWriteStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDashboard } from '../../src/dashboard/server.js';

const megabytes = Number(process.argv[2] ?? 195);
const rounds = Number(process.argv[3] ?? 3);
const dir = join(tmpdir(), `a3c-history-bench-${megabytes}mb`);

async function writeMetrics(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  let written = 0;
  for (let episode = 0; written < bytes; episode++) {
    const line = JSON.stringify({
      step: episode * 23, wall_time: Math.round(episode * 0.4) / 1000, worker: episode % 8, episode,
      return: 10 + (episode % 400), length: 20 + (episode % 380), mean_max_prob: 0.6123,
      policy_loss: -0.01234, value_loss: 12.34567, entropy: 0.65432,
    }) + '\n';
    written += line.length;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

const timed = async (url: string): Promise<number> => {
  const start = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
  return performance.now() - start;
};

if (!existsSync(join(dir, 'metrics.jsonl'))) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ env: 'cartpole', net: 'mlp', workers: 8 }));
  await writeMetrics(join(dir, 'metrics.jsonl'), megabytes << 20);
}
console.log(`metrics.jsonl: ${(statSync(join(dir, 'metrics.jsonl')).size / 2 ** 20).toFixed(0)} MB in ${dir}`);
const ms = (x: number) => `${x.toFixed(0)} ms`;
const rss = () => `rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`;

/** Ten history requests at once and a small file 20 ms later: when each is answered. */
async function tenAtOnce(url: string): Promise<string> {
  const start = performance.now();
  const ten = Promise.all(Array.from({ length: 10 }, () => timed(url + 'api/history')));
  await new Promise((resolve) => setTimeout(resolve, 20));
  const css = await timed(url + 'dashboard.css');
  const each = await ten;
  return `10 at once: all done after ${ms(performance.now() - start)} (slowest ${ms(Math.max(...each))}); dashboard.css meanwhile ${ms(css)}`;
}

for (let round = 1; round <= rounds; round++) {
  // A fresh server each round: its first requests pay for the file, the next ones show the steady state.
  let dashboard = await startDashboard(dir, { port: 0 });
  const coldSingle = await timed(dashboard.url + 'api/history');
  const warmSingle = await timed(dashboard.url + 'api/history');
  const warmTen = await tenAtOnce(dashboard.url);
  await dashboard.close();
  dashboard = await startDashboard(dir, { port: 0 });
  const coldTen = await tenAtOnce(dashboard.url);
  await dashboard.close();
  console.log(`round ${round}: fresh server: single ${ms(coldSingle)}; ${coldTen}`);
  console.log(`round ${round}: running server: single ${ms(warmSingle)}; ${warmTen}; ${rss()}`);
}
