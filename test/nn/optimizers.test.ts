import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adamStep, clipByGlobalNorm, rmsPropStep, type AdamOptions } from '../../src/nn/optimizers.js';
import { Counter, GlobalStore } from '../../src/train/globalStore.js';

/** The published update rules, in double precision, step by step. */
function referenceAdam(gradients: number[][], p0: number[], o: AdamOptions): number[] {
  const p = [...p0], m = p0.map(() => 0), v = p0.map(() => 0);
  gradients.forEach((g, k) => {
    const t = k + 1;
    for (let i = 0; i < p.length; i++) {
      m[i] = o.beta1 * m[i] + (1 - o.beta1) * g[i];
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * g[i] * g[i];
      if (o.epsilonStyle === 'tf') {
        const lrT = o.learningRate * Math.sqrt(1 - o.beta2 ** t) / (1 - o.beta1 ** t);
        p[i] -= lrT * m[i] / (Math.sqrt(v[i]) + o.epsilon);
      } else {
        const mHat = m[i] / (1 - o.beta1 ** t), vHat = v[i] / (1 - o.beta2 ** t);
        p[i] -= o.learningRate * mHat / (Math.sqrt(vHat) + o.epsilon);
      }
    }
  });
  return p;
}

test('Adam matches the TF1 and PyTorch update rules within 1e-6 over a fixed gradient sequence', () => {
  const gradients = Array.from({ length: 50 }, (_, k) => [Math.sin(k), 0.01 * Math.cos(3 * k), k % 7 === 0 ? 0 : 1e-3 * k, -2 + 0.1 * k]);
  const p0 = [0.5, -0.25, 1, 0];
  for (const epsilonStyle of ['tf', 'pytorch'] as const) {
    for (const epsilon of [1e-8, 1e-3]) {
      const o: AdamOptions = { learningRate: 1e-2, beta1: 0.9, beta2: 0.999, epsilon, epsilonStyle };
      const params = Float32Array.from(p0), m = new Float32Array(4), v = new Float32Array(4);
      gradients.forEach((g, k) => adamStep(params, Float32Array.from(g), m, v, k + 1, o));
      const expected = referenceAdam(gradients, p0, o);
      for (let i = 0; i < 4; i++) assert.ok(Math.abs(params[i] - expected[i]) < 1e-6, `${epsilonStyle} eps ${epsilon} [${i}]: ${params[i]} vs ${expected[i]}`);
    }
  }
  // The two styles really differ when epsilon is large relative to sqrt(v).
  const a = Float32Array.from([1]), b = Float32Array.from([1]);
  adamStep(a, Float32Array.from([1e-3]), new Float32Array(1), new Float32Array(1), 1, { learningRate: 1, beta1: 0.9, beta2: 0.999, epsilon: 1e-3, epsilonStyle: 'tf' });
  adamStep(b, Float32Array.from([1e-3]), new Float32Array(1), new Float32Array(1), 1, { learningRate: 1, beta1: 0.9, beta2: 0.999, epsilon: 1e-3, epsilonStyle: 'pytorch' });
  assert.notEqual(a[0], b[0]);
});

test('shared RMSProp follows the A3C paper: g = a g + (1-a) grad^2, p -= lr grad / sqrt(g + eps)', () => {
  const p = Float32Array.from([1, 2]), g = Float32Array.from([0.5, 0]);
  rmsPropStep(p, Float32Array.from([2, -1]), g, { learningRate: 0.1, alpha: 0.9, epsilon: 0.1 });
  const g0 = 0.9 * 0.5 + 0.1 * 4, g1 = 0.1;
  assert.ok(Math.abs(g[0] - g0) < 1e-7 && Math.abs(g[1] - g1) < 1e-7);
  assert.ok(Math.abs(p[0] - (1 - 0.1 * 2 / Math.sqrt(g0 + 0.1))) < 1e-6);
  assert.ok(Math.abs(p[1] - (2 + 0.1 / Math.sqrt(g1 + 0.1))) < 1e-6);
});

test('clipByGlobalNorm scales by clip/norm above the clip, leaves smaller gradients and reports non-finite', () => {
  const g = Float32Array.from([30, 40]); // norm 50
  assert.equal(clipByGlobalNorm(g, 40), 50);
  assert.ok(Math.abs(g[0] - 24) < 1e-5 && Math.abs(g[1] - 32) < 1e-5);
  const small = Float32Array.from([3, 4]);
  assert.equal(clipByGlobalNorm(small, 40), 5);
  assert.deepEqual([...small], [3, 4]);
  const bad = Float32Array.from([1, NaN]);
  assert.ok(Number.isNaN(clipByGlobalNorm(bad, 40)));
});

test('the shared-memory (wasm) optimizer step matches the reference rules, gradient scale included', () => {
  const gradients = Array.from({ length: 50 }, (_, k) => [Math.sin(k), 0.01 * Math.cos(3 * k), k % 7 === 0 ? 0 : 1e-3 * k, -2 + 0.1 * k, 0.5, -0.25]);
  const p0 = [0.5, -0.25, 1, 0, 0.1, -0.1];
  for (const epsilonStyle of ['tf', 'pytorch'] as const) {
    const o: AdamOptions = { learningRate: 1e-2, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, epsilonStyle };
    const store = GlobalStore.create(p0.length, 2);
    assert.ok(store.buffers.memory, 'the optimizer module is built');
    store.params.set(p0);
    gradients.forEach((g) => store.applyGradients(1, Float32Array.from(g.map((x) => x * 2)), 0.5, { kind: 'adam', ...o }));
    const expected = referenceAdam(gradients, p0, o);
    for (let i = 0; i < p0.length; i++) assert.ok(Math.abs(store.params[i] - expected[i]) < 1e-6, `${epsilonStyle} [${i}]: ${store.params[i]} vs ${expected[i]}`);
    assert.equal(store.counters[Counter.optimizerStep], 50);
  }
  const store = GlobalStore.create(5, 1);
  const js = Float32Array.from([1, 2, 3, 4, 5]), g = new Float32Array(5);
  store.params.set(js);
  const grads = Float32Array.from([2, -1, 0.5, 0, 3]);
  const rms = { kind: 'rmsprop' as const, learningRate: 0.1, alpha: 0.9, epsilon: 0.1 };
  store.applyGradients(0, grads, 0.5, rms);
  rmsPropStep(js, grads, g, rms, 0.5);
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(store.params[i] - js[i]) < 1e-6, `rmsprop [${i}]`);
});

test('a locked update hands the updater its new weights in the same pass: in the shared memory, outside it, Adam and RMSProp, whole chunks and remainders', () => {
  const n = 2 * 65_536 + 7; // more than one journal chunk, and a tail the SIMD loop leaves
  const adam = { kind: 'adam' as const, learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, epsilonStyle: 'tf' as const };
  const rms = { kind: 'rmsprop' as const, learningRate: 1e-3, alpha: 0.99, epsilon: 0.1 };
  for (const wasm of [true, false]) for (const config of [adam, rms]) for (const inMemory of wasm ? [true, false] : [false]) {
    const store = GlobalStore.create(n, 1, wasm, { count: 1, bytes: 2 * 4 * n });
    const region = store.arenaRegion(0);
    // the updater's local weights and gradient: in its arena (as a worker's network has them), or on the heap
    const local = inMemory ? new Float32Array(region!.memory.buffer, region!.byteOffset + 16, n) : new Float32Array(n);
    const grads = inMemory ? new Float32Array(region!.memory.buffer, region!.byteOffset + 16 + 4 * n, n) : new Float32Array(n);
    for (let i = 0; i < n; i++) { store.params[i] = Math.sin(i); grads[i] = Math.cos(3 * i); local[i] = Number.NaN; }
    for (let step = 0; step < 3; step++) store.applyGradients(0, grads, 0.5, config, true, local);
    const what = `${wasm ? 'wasm' : 'TypeScript'} ${config.kind}, local weights ${inMemory ? 'in the shared memory' : 'on the heap'}`;
    assert.deepEqual(local, store.params.slice(), `${what}: the local copy is the new global weights`);
    assert.notDeepEqual(store.params.slice(0, 4), Float32Array.from([0, 1, 2, 3].map(Math.sin)), `${what}: the update was applied`);
  }
});

test('moments that decay below the smallest normal float are stored as 0, by the shared-memory (wasm) and the TypeScript optimizers alike (TensorFlow flushes denormals)', () => {
  const SMALLEST_NORMAL = 1.17549435e-38;
  const isDenormal = (x: number) => x !== 0 && Math.abs(x) < SMALLEST_NORMAL;
  // Element 0 keeps a gradient; the others get none from the start, so their moments only decay
  // (m by 0.9, v by 0.999 or alpha a step): from 2e-38 they fall into the denormal range at once.
  // 9 elements: the SIMD loop and its scalar remainder both see it.
  const n = 9, steps = 40;
  const grads = new Float32Array(n); grads[0] = 0.5;
  const o: AdamOptions = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, epsilonStyle: 'tf' };
  const store = GlobalStore.create(n, 1);
  assert.ok(store.buffers.memory, 'the optimizer module is built');
  const js = { p: new Float32Array(n).fill(0.25), m: new Float32Array(n).fill(2e-38), v: new Float32Array(n).fill(SMALLEST_NORMAL * 1.0005) };
  js.m[0] = 0; js.v[0] = 0;
  store.params.set(js.p); store.moment1.set(js.m); store.moment2.set(js.v);
  for (let step = 1; step <= steps; step++) {
    store.applyGradients(0, grads, 1, { kind: 'adam', ...o });
    adamStep(js.p, grads, js.m, js.v, step, o);
    for (const [name, values] of [['wasm m', store.moment1], ['wasm v', store.moment2], ['ts m', js.m], ['ts v', js.v]] as const) {
      for (let i = 0; i < n; i++) assert.ok(!isDenormal(values[i]), `${name}[${i}] is denormal after step ${step}: ${values[i]}`);
    }
  }
  for (let i = 1; i < n; i++) {
    assert.equal(store.moment1[i], 0, `wasm m[${i}] flushed`); assert.equal(js.m[i], 0, `ts m[${i}] flushed`);
    assert.equal(store.moment2[i], 0, `wasm v[${i}] flushed`); assert.equal(js.v[i], 0, `ts v[${i}] flushed`);
    assert.equal(store.params[i], js.p[i], `p[${i}] equal`);
  }
  // The element with a gradient is untouched by the flush and the two agree.
  assert.ok(store.moment1[0] > 0.1 && Math.abs(store.moment1[0] - js.m[0]) < 1e-6, `m[0]: ${store.moment1[0]} vs ${js.m[0]}`);
  assert.ok(Math.abs(store.params[0] - js.p[0]) < 1e-6, `p[0]: ${store.params[0]} vs ${js.p[0]}`);

  // RMSProp's squared-gradient average decays the same way.
  const rms = { kind: 'rmsprop' as const, learningRate: 1e-3, alpha: 0.5, epsilon: 0.1 };
  const rmsStore = GlobalStore.create(n, 1);
  const g = new Float32Array(n).fill(1.5e-38); g[0] = 0;
  rmsStore.params.fill(0.25); rmsStore.moment1.set(g);
  const p = new Float32Array(n).fill(0.25);
  rmsStore.applyGradients(0, grads, 1, rms);
  rmsPropStep(p, grads, g, rms);
  for (let i = 1; i < n; i++) {
    assert.equal(rmsStore.moment1[i], 0, `wasm g[${i}] flushed`);
    assert.equal(g[i], 0, `ts g[${i}] flushed`);
  }
  assert.ok(rmsStore.moment1[0] > 0.1 && Math.abs(rmsStore.moment1[0] - g[0]) < 1e-6);
});
