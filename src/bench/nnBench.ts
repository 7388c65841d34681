import { arenaBytes, buildActorCritic, defaultKernels, lstmNet, parameterCount, referenceAtariNet, smallAtariNet } from '../agents/networks.js';
import { wasmVariant, type KernelName } from '../nn/kernels/backend.js';
import { clipScale, defaultAdam } from '../nn/optimizers.js';
import { GlobalStore } from '../train/globalStore.js';
import { Rng } from '../util/rng.js';

export interface NnBenchResult {
  net: string;
  kernels: KernelName;
  params: number;
  forward_b1_ms: number;
  backward_b20_ms: number;
  /** For wasm: the fused multiply-add (relaxed SIMD) build or the plain SIMD build. */
  kernel_build: 'fma' | 'simd' | null;
  update_b20_ms: number;
  gflops_forward: number;
  gflops_update: number;
  /** Median milliseconds per layer: forward at batch 1, backward at batch 20. */
  layers: { name: string; forward_b1_ms: number; backward_b20_ms: number }[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Times `fn` for about `seconds` after a warm-up, returning the median milliseconds per call. */
function time(fn: () => void, seconds: number, minRuns = 5): number {
  for (let i = 0; i < 2; i++) fn();
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (samples.length < minRuns || performance.now() < end) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  return median(samples);
}

/**
 * Forward at batch 1 (acting) and the update at batch 20: forward 20 rows, backward, clip, Adam
 * on a global store (the actor-learner's path, gradient read in place from the network's arena),
 * so figures compare with a framework's train step.
 */
export function benchNn(netName: 'reference' | 'small' | 'lstm', seconds = 2, kernels: KernelName = defaultKernels()): NnBenchResult {
  const spec = netName === 'reference' ? referenceAtariNet(3) : netName === 'small' ? smallAtariNet(3) : lstmNet(smallAtariNet(3), 256);
  // Built as a worker builds it: in its region of the global store's shared memory (wasm).
  const store = GlobalStore.create(parameterCount(spec), 1, kernels === 'wasm', { count: 1, bytes: arenaBytes(spec, 21) });
  const net = buildActorCritic(spec, 21, undefined, kernels, store.arenaRegion(0));
  net.initialize(1);
  const rng = new Rng(2);
  for (let i = 0; i < net.input.length; i++) net.input[i] = rng.next();
  const headGrad = new Float32Array(net.maxBatch * net.outputSize);
  for (let i = 0; i < headGrad.length; i++) headGrad[i] = rng.uniform(-1, 1);
  store.params.set(net.params);
  const adam = { kind: 'adam' as const, ...defaultAdam };

  const forwardMs = time(() => net.forward(0, 1), seconds);
  const backwardMs = time(() => net.backward(headGrad, 0, 20), seconds);
  const updateMs = time(() => {
    net.forward(0, 20);
    net.backward(headGrad, 0, 20);
    const norm = Math.sqrt(net.kernels.sumSquares(net.grads.length, net.grads, 0));
    store.applyGradients(0, net.grads, clipScale(norm, 40), adam);
  }, seconds);

  // FLOPs: forward = 2 * MACs; backward = 2x forward (weight and input gradients) minus conv1's input gradient.
  let macs = 0, firstLayerMacs = 0;
  for (const [i, layer] of net.layers.entries()) {
    // Every weight matrix (an LSTM has two: input and recurrent), not the biases.
    for (const t of layer.tensors().filter((tensor) => tensor.shape.length >= 2)) {
      const kernelSize = t.shape.reduce((a, b) => a * b, 1);
      const positions = t.shape.length === 4 ? layer.outputSize / t.shape[3] : 1;
      macs += kernelSize * positions;
      if (i === 0) firstLayerMacs += kernelSize * positions;
    }
  }
  const forwardFlops = 2 * macs;
  const updateFlops = 20 * (forwardFlops + 2 * forwardFlops - 2 * firstLayerMacs);

  const layers = net.layers.map((layer, i) => {
    const input = i === 0 ? net.input : net.layers[i - 1].output;
    const grad = new Float32Array(layer.output.length).fill(0.01);
    return {
      name: layer.name,
      forward_b1_ms: time(() => layer.forward(input, 0, 1), seconds / 4),
      backward_b20_ms: time(() => layer.backward(input, grad, 0, 20, i > 0), seconds / 4),
    };
  });
  return {
    net: netName, kernels, params: net.paramCount,
    forward_b1_ms: forwardMs, backward_b20_ms: backwardMs, update_b20_ms: updateMs,
    kernel_build: kernels === 'wasm' ? wasmVariant() : null,
    gflops_forward: forwardFlops / (forwardMs * 1e6), gflops_update: updateFlops / (updateMs * 1e6),
    layers,
  };
}
