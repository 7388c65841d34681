#!/usr/bin/env node
/**
 * Is the optimizer step bound by memory or by arithmetic? Times the shared-memory Adam
 * (build/optimizer.wasm, as the global store runs it) over the reference net's 2,697,828
 * parameters and over 16,384 (its four arrays, 256 KB, then fit in most cores' L2 cache), in ns per
 * parameter; then the full size again while a second thread streams 64 MB copies (the other
 * actor-learner thread's traffic). Equal figures mean arithmetic sets the pace. Run after
 * `npm run build`. docs/performance.md reports its output.
 *
 *   node scripts/optimizer-bound.mjs
 */
import { Worker, isMainThread, parentPort } from 'node:worker_threads';

const REFERENCE_PARAMS = 2_697_828;

if (!isMainThread) {
  const a = new Float32Array(16 << 20).fill(1), b = new Float32Array(16 << 20);
  parentPort.postMessage('streaming');
  for (;;) b.set(a);
}

const { OptimizerStep, optimizerModule } = await import('../dist/src/nn/kernels/sharedOptimizer.js');
if (optimizerModule() === null) {
  console.error('optimizer-bound: build/optimizer.wasm is missing (the figures would be the TypeScript fallback\'s): run npm run build first');
  process.exit(1);
}
const pages = Math.ceil((4 * REFERENCE_PARAMS * 4 + 64) / 65536);
const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
const optimizer = new OptimizerStep(memory);
const adam = { kind: 'adam', learningRate: 1e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, epsilonStyle: 'tf' };

/** Median ns per parameter of Adam steps over n parameters (gradients of normal magnitude). */
function nsPerParameter(n) {
  const view = (k) => new Float32Array(memory.buffer, 64 + k * n * 4, n);
  const [params, grads, m, v] = [0, 1, 2, 3].map(view);
  for (let i = 0; i < n; i++) { params[i] = Math.sin(i); grads[i] = 1e-3 * Math.cos(i); m[i] = 1e-4; v[i] = 1e-6; }
  const calls = Math.max(5, Math.round(3e7 / n)), times = [];
  for (let round = 0; round < 7; round++) {
    const start = performance.now();
    for (let c = 0; c < calls; c++) optimizer.apply(adam, round * calls + c + 1, params, grads, m, v, 1);
    times.push((performance.now() - start) * 1e6 / calls / n);
  }
  return times.sort((a, b) => a - b)[3];
}

const report = (label, ns) => console.log(`${label}: ${ns.toFixed(3)} ns/parameter (${(ns * REFERENCE_PARAMS / 1e6).toFixed(2)} ms per reference-net step)`);
report('16,384 parameters (in L2)', nsPerParameter(16_384));
report('2,697,828 parameters (reference net)', nsPerParameter(REFERENCE_PARAMS));
const streamer = new Worker(new URL(import.meta.url));
await new Promise((resolve) => streamer.once('message', resolve));
report('2,697,828 parameters, another thread streaming memory', nsPerParameter(REFERENCE_PARAMS));
await streamer.terminate();
