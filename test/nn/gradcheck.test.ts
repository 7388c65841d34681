import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Conv2d } from '../../src/nn/conv2d.js';
import { Dense } from '../../src/nn/dense.js';
import type { Layer } from '../../src/nn/layer.js';
import { Sequential } from '../../src/nn/sequential.js';
import { Rng } from '../../src/util/rng.js';
import { buildActorCritic } from '../../src/agents/networks.js';
import { a3cLoss } from '../../src/train/a3cLoss.js';
import { nStepReturns } from '../../src/train/returns.js';
import { maxGradientError, randomArray, sampleIndices } from '../helpers.js';
import { CountingAllocator, HeapAllocator, WasmArena, type Allocator } from '../../src/nn/kernels/backend.js';

/** Both backends: plain arrays with TypeScript kernels, and a WebAssembly arena with SIMD kernels. */
const backends: [string, (make: (a: Allocator) => Layer) => Layer][] = [
  ['js', (make) => make(new HeapAllocator())],
  ['wasm', (make) => { const counter = new CountingAllocator(); make(counter); return make(new WasmArena(counter.bytes * 2 + 65536)); }],
];

/**
 * Gradient checks against central finite differences. The loss of a single layer is
 * sum(output * weights) with fixed random weights, so backward's output gradient is `weights`.
 * Float32 parameters limit the precision: errors below 1e-2 (parameters) and 2e-2 (inputs: each
 * input feeds up to KS*KS*filters outputs, so its difference quotient carries more float32
 * round-off; smaller steps make it worse, not better) mean the gradient is right.
 */
function checkLayer(layer: Layer, batch: number, rows: [number, number], seed: number, allocator?: Allocator): { params: number; input: number } {
  const rng = new Rng(seed);
  const net = new Sequential([layer], batch, undefined, allocator);
  net.initialize(seed);
  for (let i = 0; i < net.params.length; i++) net.params[i] += rng.uniform(-0.1, 0.1); // non-zero biases
  net.input.set(randomArray(net.input.length, rng));
  const [row0, count] = rows;
  const outWeights = new Float64Array(layer.output.length);
  for (let i = row0 * layer.outputSize; i < (row0 + count) * layer.outputSize; i++) outWeights[i] = rng.uniform(-1, 1);
  const loss = (): number => {
    net.forward(row0, count);
    let s = 0;
    for (let i = row0 * layer.outputSize; i < (row0 + count) * layer.outputSize; i++) s += layer.output[i] * outWeights[i];
    return s;
  };
  loss();
  net.grads.fill(0);
  layer.backward(net.input, Float32Array.from(outWeights), row0, count, true);
  const paramError = maxGradientError(net.params, sampleIndices(net.paramCount, 300, rng), net.grads, loss, 1e-3).maxError;
  const inputGrad = layer.inputGrad.slice();
  const inputIndices = sampleIndices(count * layer.inputSize, 200, rng).map((i) => i + row0 * layer.inputSize);
  const inputError = maxGradientError(net.input, inputIndices, inputGrad, loss, 1e-3).maxError;
  return { params: paramError, input: inputError };
}

test('dense layer gradients (linear and relu) match finite differences', (t) => {
  for (const [backend, build] of backends) for (const activation of ['linear', 'relu'] as const) {
    let allocator: Allocator | undefined;
    const layer = build((a) => { allocator = a; return new Dense({ name: 'd', inputSize: 13, outputSize: 7, activation, maxBatch: 4, allocator: a }); });
    const errors = checkLayer(layer, 4, [1, 3], 11, allocator);
    t.diagnostic(`dense ${activation} (${backend}): max relative error params ${errors.params.toExponential(2)}, input ${errors.input.toExponential(2)}`);
    assert.ok(errors.params < 1e-2, `${activation} params: ${errors.params}`);
    assert.ok(errors.input < 2e-2, `${activation} input: ${errors.input}`);
  }
});

test('conv2d gradients (stride, several channels, relu) match finite differences', (t) => {
  const configs = [
    { inputHeight: 9, inputWidth: 9, inputChannels: 2, filters: 3, kernelSize: 3, stride: 2, activation: 'linear' as const },
    { inputHeight: 12, inputWidth: 10, inputChannels: 4, filters: 5, kernelSize: 4, stride: 2, activation: 'relu' as const },
    { inputHeight: 16, inputWidth: 16, inputChannels: 3, filters: 4, kernelSize: 8, stride: 4, activation: 'relu' as const },
    // shapes the SIMD kernels take (8k filters, kernel rows of 4k / 8k floats), with a pixel count that is no multiple of 4
    { inputHeight: 11, inputWidth: 9, inputChannels: 4, filters: 8, kernelSize: 4, stride: 2, activation: 'relu' as const },
    { inputHeight: 7, inputWidth: 8, inputChannels: 2, filters: 16, kernelSize: 2, stride: 1, activation: 'linear' as const },
  ];
  for (const [backend, build] of backends) for (const [k, c] of configs.entries()) {
    let allocator: Allocator | undefined;
    const layer = build((a) => { allocator = a; return new Conv2d({ name: 'c', maxBatch: 3, allocator: a, ...c }); });
    const errors = checkLayer(layer, 3, [0, 3], 20 + k, allocator);
    t.diagnostic(`conv2d ${c.kernelSize}x${c.kernelSize}/${c.stride} ${c.activation} (${backend}): max relative error params ${errors.params.toExponential(2)}, input ${errors.input.toExponential(2)}`);
    assert.ok(errors.params < 1e-2, `config ${k} params: ${errors.params}`);
    assert.ok(errors.input < 2e-2, `config ${k} input: ${errors.input}`);
  }
});

test('conv2d forward equals a direct NHWC convolution', () => {
  const rng = new Rng(3);
  const layer = new Conv2d({ name: 'c', inputHeight: 7, inputWidth: 6, inputChannels: 2, filters: 3, kernelSize: 3, stride: 2, activation: 'linear', maxBatch: 2 });
  const net = new Sequential([layer], 2);
  net.params.set(randomArray(net.paramCount, rng));
  net.input.set(randomArray(net.input.length, rng));
  net.forward(0, 2);
  const [KS, C, F, S, W] = [3, 2, 3, 2, 6];
  for (let b = 0; b < 2; b++) for (let oy = 0; oy < layer.outputHeight; oy++) for (let ox = 0; ox < layer.outputWidth; ox++) for (let f = 0; f < F; f++) {
    let s = net.params[KS * KS * C * F + f];
    for (let ky = 0; ky < KS; ky++) for (let kx = 0; kx < KS; kx++) for (let c = 0; c < C; c++) {
      s += net.input[b * 7 * 6 * 2 + ((oy * S + ky) * W + ox * S + kx) * C + c] * net.params[((ky * KS + kx) * C + c) * F + f];
    }
    const got = layer.output[b * layer.outputSize + (oy * layer.outputWidth + ox) * F + f];
    assert.ok(Math.abs(got - s) < 1e-5, `b${b} y${oy} x${ox} f${f}: ${got} vs ${s}`);
  }
});

test('the whole A3C loss through a conv actor-critic matches finite differences', (t) => {
  const rng = new Rng(5);
  const rows = 6, numActions = 3;
  const net = buildActorCritic({
    kind: 'conv', height: 12, width: 12, channels: 2, hidden: 16, numActions,
    convs: [{ filters: 4, kernelSize: 4, stride: 2 }, { filters: 6, kernelSize: 3, stride: 1 }],
  }, rows);
  net.initialize(9);
  for (let i = 0; i < net.params.length; i++) net.params[i] += rng.uniform(-0.05, 0.05);
  net.input.set(randomArray(net.input.length, rng));
  const actions = Int32Array.from({ length: rows }, () => rng.int(0, numActions - 1));
  const returns = new Float64Array(rows);
  nStepReturns([1, 0, -1, 0, 1, 0], rows, 0.3, 0.99, returns);
  const headGrad = new Float32Array(rows * (numActions + 1));
  const probs = new Float64Array(numActions);
  net.forward(0, rows);
  const stats = a3cLoss(net.output, numActions, actions, returns, rows, 0.01, headGrad, probs);
  net.grads.fill(0);
  net.backward(headGrad, 0, rows);
  const analytic = net.grads.slice();
  // Advantages frozen at their current values: the actor term uses stop_gradient(adv).
  const stride = numActions + 1;
  const frozenAdvantages = Array.from({ length: rows }, (_, t) => returns[t] - net.output[t * stride + numActions]);
  // An independent float64 implementation of the reference loss.
  const loss = (): number => {
    net.forward(0, rows);
    let critic = 0, actor = 0;
    for (let t = 0; t < rows; t++) {
      const z = Array.from({ length: numActions }, (_, j) => net.output[t * stride + j]);
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const total = e.reduce((a, b) => a + b, 0);
      const pi = e.map((v) => v / total);
      const adv = returns[t] - net.output[t * stride + numActions];
      critic += 0.5 * adv * adv;
      actor += -Math.log(pi[actions[t]] + 1e-10) * frozenAdvantages[t];
      actor += 0.01 * pi.reduce((a, p) => a + p * Math.log(p + 1e-10), 0);
    }
    return 0.5 * critic + actor;
  };
  assert.ok(Math.abs(loss() - stats.total) < 1e-5, 'loss value');
  const { maxError } = maxGradientError(net.params, sampleIndices(net.paramCount, 400, rng), analytic, loss, 1e-3);
  t.diagnostic(`A3C loss through conv net: max relative error ${maxError.toExponential(2)}`);
  assert.ok(maxError < 2e-2, `max relative error ${maxError}`);
});
