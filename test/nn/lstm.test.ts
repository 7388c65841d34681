import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lstm } from '../../src/nn/lstm.js';
import { Sequential } from '../../src/nn/sequential.js';
import { CountingAllocator, HeapAllocator, WasmArena, type Allocator } from '../../src/nn/kernels/backend.js';
import { buildActorCritic, lstmNet, mlpNet, parameterCount, smallAtariNet } from '../../src/agents/networks.js';
import { Rng } from '../../src/util/rng.js';
import { maxGradientError, randomArray, relativeError, sampleIndices } from '../helpers.js';

/**
 * An independent float64 LSTM (Keras gate order i, f, g, o) over `rows` steps from (h0, c0):
 * the reference the layer's forward is compared with and the finite differences are taken of.
 */
function referenceOutputs(params: Float64Array, D: number, H: number, input: Float64Array, h0: Float64Array, c0: Float64Array, rows: number): Float64Array {
  const G = 4 * H;
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  const out = new Float64Array(rows * H);
  let h = Float64Array.from(h0), c = Float64Array.from(c0);
  for (let t = 0; t < rows; t++) {
    const z = new Float64Array(G);
    for (let k = 0; k < G; k++) {
      let s = params[(D + H) * G + k];
      for (let d = 0; d < D; d++) s += input[t * D + d] * params[d * G + k];
      for (let j = 0; j < H; j++) s += h[j] * params[(D + j) * G + k];
      z[k] = s;
    }
    const nh = new Float64Array(H), nc = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      nc[j] = sig(z[H + j]) * c[j] + sig(z[j]) * Math.tanh(z[2 * H + j]);
      nh[j] = sig(z[3 * H + j]) * Math.tanh(nc[j]);
      out[t * H + j] = nh[j];
    }
    h = nh; c = nc;
  }
  return out;
}

/** Both backends: TypeScript kernels on the heap, and SIMD kernels in a WebAssembly arena. */
const backends: [string, (build: (a: Allocator) => Lstm) => { layer: Lstm; allocator: Allocator }][] = [
  ['js', (build) => { const allocator = new HeapAllocator(); return { layer: build(allocator), allocator }; }],
  ['wasm', (build) => {
    const counter = new CountingAllocator();
    build(counter);
    const allocator = new WasmArena(counter.bytes * 2 + 65536);
    return { layer: build(allocator), allocator };
  }],
];

test('LSTM gradients through time (all parameters and the input) match float64 finite differences; truncated at the first row', (t) => {
  const D = 5, H = 4, maxBatch = 7, row0 = 1, rows = 5;
  for (const [backend, make] of backends) {
    const { layer, allocator } = make((a) => new Lstm({ name: 'lstm', inputSize: D, cells: H, maxBatch, allocator: a }));
    const net = new Sequential([layer], maxBatch, undefined, allocator);
    net.initialize(3);
    const rng = new Rng(17);
    for (let i = 0; i < net.params.length; i++) net.params[i] += rng.uniform(-0.3, 0.3);
    net.input.set(randomArray(net.input.length, rng));
    // A carried state to start from: no gradient may flow into it (the truncation).
    const start = randomArray(2 * H, rng, 0.8);
    net.writeState(start);
    const weights = randomArray(rows * H, rng);

    net.forward(row0, rows);
    const outputGrad = new Float32Array(maxBatch * H);
    outputGrad.set(weights, row0 * H);
    layer.backward(net.input, outputGrad, row0, rows, true);

    const params = Float64Array.from(net.params);
    const input = Float64Array.from(net.input.subarray(row0 * D, (row0 + rows) * D));
    const h0 = Float64Array.from(start.subarray(0, H)), c0 = Float64Array.from(start.subarray(H));
    const reference = referenceOutputs(params, D, H, input, h0, c0, rows);
    let forwardError = 0;
    for (let i = 0; i < rows * H; i++) forwardError = Math.max(forwardError, Math.abs(reference[i] - layer.output[row0 * H + i]));
    assert.ok(forwardError < 1e-5, `forward differs from the float64 reference by ${forwardError}`);

    const loss = () => {
      const out = referenceOutputs(params, D, H, input, h0, c0, rows);
      let s = 0;
      for (let i = 0; i < out.length; i++) s += out[i] * weights[i];
      return s;
    };
    const eps = 1e-6;
    const numeric = (x: Float64Array, i: number) => {
      const saved = x[i];
      x[i] = saved + eps; const plus = loss();
      x[i] = saved - eps; const minus = loss();
      x[i] = saved;
      return (plus - minus) / (2 * eps);
    };
    let paramError = 0, inputError = 0;
    for (let i = 0; i < params.length; i++) paramError = Math.max(paramError, relativeError(net.grads[i], numeric(params, i), 1e-6));
    for (let i = 0; i < input.length; i++) inputError = Math.max(inputError, relativeError(layer.inputGrad[row0 * D + i], numeric(input, i), 1e-6));
    t.diagnostic(`lstm ${D}->${H}, ${rows} steps (${backend}): max relative error params ${paramError.toExponential(2)} (all ${params.length}), input ${inputError.toExponential(2)} (all ${input.length}); forward ${forwardError.toExponential(2)}`);
    assert.ok(paramError < 1e-3, `${backend} params: ${paramError}`);
    assert.ok(inputError < 1e-3, `${backend} input: ${inputError}`);

    // Rows outside the range are left alone: row 0's input gradient was never written.
    for (let i = 0; i < D; i++) assert.equal(layer.inputGrad[i], 0);
  }
});

test('the whole LSTM actor-critic (dense trunk, LSTM, head) matches finite differences through time', (t) => {
  // The A3C loss's own gradient is checked in gradcheck.test.ts: here the loss is a fixed
  // weighting of the head's rows, so the check is of the network's backward through time.
  const spec = lstmNet(mlpNet(3, 2, [6]), 5);
  const rows = 4;
  for (const kernels of ['js', 'wasm'] as const) {
    const net = buildActorCritic(spec, rows + 1, undefined, kernels);
    net.initialize(9);
    const rng = new Rng(4);
    for (let i = 0; i < net.params.length; i++) net.params[i] += rng.uniform(-0.1, 0.1);
    net.input.set(randomArray(net.input.length, rng));
    const start = randomArray(net.stateSize, rng, 0.5);
    const weights = randomArray(net.maxBatch * net.outputSize, rng);
    weights.fill(0, rows * net.outputSize);
    const loss = () => {
      net.writeState(start);
      net.forward(0, rows);
      let s = 0;
      for (let i = 0; i < rows * net.outputSize; i++) s += net.output[i] * weights[i];
      return s;
    };
    loss();
    net.backward(weights, 0, rows);
    const analytic = net.grads.slice();
    const { maxError } = maxGradientError(net.params, sampleIndices(net.paramCount, 400, rng), analytic, loss, 1e-3);
    t.diagnostic(`lstm actor-critic (${kernels}), float32 central differences: max relative error ${maxError.toExponential(2)} (${net.paramCount} parameters)`);
    assert.ok(maxError < 1e-2, `${kernels}: ${maxError}`);
  }
});

test('the wasm LSTM (SIMD gate matmuls) agrees with the TypeScript one: outputs, gradients, state', () => {
  for (const [D, H] of [[6, 13], [256, 256], [64, 64]] as const) {
    const rng = new Rng(D + H);
    const spec = lstmNet(mlpNet(D, 3, []), H);
    const js = buildActorCritic(spec, 6, undefined, 'js');
    const wasm = buildActorCritic(spec, 6, undefined, 'wasm');
    assert.equal(wasm.kernels.name, 'wasm');
    js.initialize(1);
    wasm.params.set(js.params);
    const inputs = randomArray(js.input.length, rng);
    js.input.set(inputs);
    wasm.input.set(inputs);
    for (let row = 0; row < 5; row++) { js.forward(row, 1); wasm.forward(row, 1); }
    const grad = randomArray(js.output.length, rng);
    js.backward(grad, 0, 5);
    wasm.backward(grad, 0, 5);
    const close = (a: Float32Array, b: Float32Array, what: string) => {
      let scale = 0;
      for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]));
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-4 * scale + 1e-6, `${what} ${D}->${H} at ${i}: ${a[i]} vs ${b[i]}`);
    };
    close(js.output, wasm.output, 'output');
    close(js.grads, wasm.grads, 'gradient');
    const sj = new Float32Array(js.stateSize), sw = new Float32Array(wasm.stateSize);
    js.readState(sj); wasm.readState(sw);
    close(sj, sw, 'state');
  }
});

test('forward steps one at a time equal one forward over the rows; reset, read and write of the state', () => {
  const spec = lstmNet(mlpNet(4, 2, [8]), 6);
  const stepwise = buildActorCritic(spec, 5, undefined, 'js');
  const whole = buildActorCritic(spec, 5, stepwise.params.slice(), 'js');
  stepwise.initialize(2);
  whole.params.set(stepwise.params);
  const rng = new Rng(8);
  const inputs = randomArray(stepwise.input.length, rng);
  stepwise.input.set(inputs);
  whole.input.set(inputs);
  for (let row = 0; row < 5; row++) stepwise.forward(row, 1);
  whole.forward(0, 5);
  assert.deepEqual(Array.from(stepwise.output), Array.from(whole.output));

  // The state carries: the same input from the carried state differs from it from a fresh one.
  const carried = new Float32Array(stepwise.stateSize);
  stepwise.readState(carried);
  assert.ok(carried.some((x) => x !== 0));
  stepwise.forward(0, 1);
  const fromCarried = stepwise.output.slice(0, 3);
  stepwise.resetState();
  const zero = new Float32Array(stepwise.stateSize);
  stepwise.readState(zero);
  assert.ok(zero.every((x) => x === 0));
  stepwise.forward(0, 1);
  assert.deepEqual(Array.from(stepwise.output.slice(0, 3)), Array.from(whole.output.slice(0, 3)), 'a reset state is the start state');
  assert.notDeepEqual(Array.from(fromCarried), Array.from(stepwise.output.slice(0, 3)));
  stepwise.writeState(carried);
  stepwise.forward(0, 1);
  assert.deepEqual(Array.from(stepwise.output.slice(0, 3)), Array.from(fromCarried), 'writeState restores what readState saw');
});

test('the A3C LSTM for Atari: the small net\'s trunk, 256 cells, checkpoint tensors named Keras-style', () => {
  const spec = lstmNet(smallAtariNet(3), 256);
  const net = buildActorCritic(spec, 1, undefined, 'js');
  const feedForward = buildActorCritic(smallAtariNet(3), 1, undefined, 'js').tensors();
  const names = net.tensors().map((tensor) => `${tensor.name}:${tensor.shape.join('x')}`);
  assert.deepEqual(names, [
    ...feedForward.slice(0, -2).map((tensor) => `${tensor.name}:${tensor.shape.join('x')}`),
    'lstm.kernel:256x1024', 'lstm.recurrent_kernel:256x1024', 'lstm.bias:1024', 'head.kernel:256x4', 'head.bias:4',
  ]);
  assert.equal(names[4], 'fc.kernel:2592x256');
  assert.equal(net.paramCount, parameterCount(spec));
  assert.equal(net.stateSize, 512);
  net.initialize(1);
  // Keras' LSTM initialization: forget-gate bias 1, the others 0; the recurrent kernel's rows orthonormal.
  const bias = net.tensors().find((tensor) => tensor.name === 'lstm.bias')!;
  const b = net.params.subarray(bias.offset, bias.offset + bias.length);
  assert.ok(b.subarray(0, 256).every((x) => x === 0) && b.subarray(256, 512).every((x) => x === 1) && b.subarray(512).every((x) => x === 0));
  const rec = net.tensors().find((tensor) => tensor.name === 'lstm.recurrent_kernel')!;
  const w = net.params.subarray(rec.offset, rec.offset + rec.length);
  for (const [r, s] of [[0, 0], [0, 1], [100, 255], [255, 255]]) {
    let dot = 0;
    for (let k = 0; k < 1024; k++) dot += w[r * 1024 + k] * w[s * 1024 + k];
    assert.ok(Math.abs(dot - (r === s ? 1 : 0)) < 1e-4, `rows ${r}, ${s}: ${dot}`);
  }
});
