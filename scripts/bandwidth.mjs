#!/usr/bin/env node
/**
 * The machine's memory bandwidth as training sees it: 1, then N threads (default 2) each copy
 * a 64 MB float array into another and read it back (far beyond any cache), at the same time.
 * Prints GB/s per thread and for the machine. docs/performance.md compares a training run's
 * memory traffic per agent step with it.
 *
 *   node scripts/bandwidth.mjs [threads] [seconds]
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const FLOATS = 16 << 20; // 64 MB each

if (isMainThread) {
  const threads = Number(process.argv[2] ?? 2), seconds = Number(process.argv[3] ?? 4);
  for (const n of [...new Set([1, threads])]) {
    const rates = await Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
      const worker = new Worker(new URL(import.meta.url), { workerData: { seconds } });
      worker.once('message', resolve);
      worker.once('error', reject);
    })));
    const total = rates.reduce((a, b) => a + b, 0);
    console.log(`${n} thread(s): ${rates.map((r) => r.toFixed(1)).join(' + ')} = ${total.toFixed(1)} GB/s`);
  }
} else {
  const a = new Float32Array(FLOATS).fill(1), b = new Float32Array(FLOATS);
  let bytes = 0, sum = 0;
  const start = performance.now(), end = start + workerData.seconds * 1000;
  while (performance.now() < end) {
    b.set(a); // read 64 MB, write 64 MB
    for (let i = 0; i < FLOATS; i += 16) sum += b[i]; // read it back, one float per 64-byte line
    bytes += 3 * a.byteLength;
  }
  parentPort.postMessage(sum > 0 ? bytes / (performance.now() - start) / 1e6 : 0);
}
