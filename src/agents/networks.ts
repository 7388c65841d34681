import { Conv2d } from '../nn/conv2d.js';
import { Dense } from '../nn/dense.js';
import type { Layer } from '../nn/layer.js';
import { Lstm } from '../nn/lstm.js';
import { Sequential } from '../nn/sequential.js';
import { type ArenaRegion, CountingAllocator, HeapAllocator, WasmArena, wasmAvailable, type Allocator, type KernelName } from '../nn/kernels/backend.js';

/**
 * Actor-critic networks: a trunk and one fused head whose row is [policy logits..., value].
 * Fusing the heads makes the backward one pass; each part is initialized as Keras would
 * initialize it as its own layer (Glorot uniform, zero bias).
 */
export type FeedForwardSpec =
  | { kind: 'mlp'; inputSize: number; hidden: number[]; numActions: number }
  | {
      kind: 'conv';
      height: number;
      width: number;
      channels: number;
      convs: { filters: number; kernelSize: number; stride: number }[];
      hidden: number;
      numActions: number;
    };

/**
 * A feed-forward net's trunk (its layers before the head), then an LSTM of `cells`, then the
 * fused head: the A3C paper's A3C LSTM when the trunk is its small conv net and cells is 256.
 */
export type LstmSpec = { kind: 'lstm'; trunk: FeedForwardSpec; cells: number; numActions: number };

export type NetworkSpec = FeedForwardSpec | LstmSpec;

/** The reference (rlcode Keras) Breakout net: conv 32 8x8/4, conv 64 4x4/2, dense 512. */
export function referenceAtariNet(numActions: number): FeedForwardSpec {
  return {
    kind: 'conv', height: 84, width: 84, channels: 4, hidden: 512, numActions,
    convs: [{ filters: 32, kernelSize: 8, stride: 4 }, { filters: 64, kernelSize: 4, stride: 2 }],
  };
}

/** The A3C paper's smaller net: conv 16 8x8/4, conv 32 4x4/2, dense 256. */
export function smallAtariNet(numActions: number): FeedForwardSpec {
  return {
    kind: 'conv', height: 84, width: 84, channels: 4, hidden: 256, numActions,
    convs: [{ filters: 16, kernelSize: 8, stride: 4 }, { filters: 32, kernelSize: 4, stride: 2 }],
  };
}

/** The A3C paper's A3C LSTM: the given net's trunk (the paper: its small conv net), an LSTM of 256 cells, the heads. */
export function lstmNet(trunk: FeedForwardSpec, cells = 256): NetworkSpec {
  return { kind: 'lstm', trunk, cells, numActions: trunk.numActions };
}

export function mlpNet(inputSize: number, numActions: number, hidden: number[] = [64, 64]): FeedForwardSpec {
  return { kind: 'mlp', inputSize, hidden, numActions };
}

/** The kernels used when none are named: WebAssembly SIMD where built, else TypeScript. */
export function defaultKernels(): KernelName {
  return wasmAvailable() ? 'wasm' : 'js';
}

/**
 * Builds the network; `params` (e.g. a view over shared memory) is used instead of a fresh
 * buffer. With 'wasm' kernels every other buffer is placed in one WebAssembly memory, sized by
 * a counting pass first: the arena's own, or `region` of a memory shared with the global store.
 */
export function buildActorCritic(spec: NetworkSpec, maxBatch: number, params?: Float32Array, kernels: KernelName = defaultKernels(), region?: ArenaRegion): Sequential {
  if (kernels === 'js') return assemble(spec, maxBatch, params, new HeapAllocator());
  return assemble(spec, maxBatch, params, new WasmArena(arenaBytes(spec, maxBatch, params !== undefined), region));
}

/** Bytes of WebAssembly memory the network's buffers take (without the parameters when they are given). */
export function arenaBytes(spec: NetworkSpec, maxBatch: number, paramsGiven = false): number {
  const counter = new CountingAllocator();
  const params = paramsGiven ? new Float32Array(parameterCount(spec)) : undefined;
  assemble(spec, maxBatch, params, counter);
  return counter.bytes;
}

function assemble(spec: NetworkSpec, maxBatch: number, params: Float32Array | undefined, allocator: Allocator): Sequential {
  const layers: Layer[] = [];
  let width = trunk(spec.kind === 'lstm' ? spec.trunk : spec, maxBatch, allocator, layers);
  if (spec.kind === 'lstm') {
    layers.push(new Lstm({ name: 'lstm', inputSize: width, cells: spec.cells, maxBatch, allocator, inputGradient: layers.length > 0 }));
    width = spec.cells;
  }
  layers.push(new Dense({
    name: 'head', inputSize: width, outputSize: spec.numActions + 1, activation: 'linear', maxBatch, allocator,
    initGroups: [spec.numActions, 1],
  }));
  return new Sequential(layers, maxBatch, params, allocator);
}

/** Appends a feed-forward net's layers before its head to `layers`; returns their output width. */
function trunk(spec: FeedForwardSpec, maxBatch: number, allocator: Allocator, layers: Layer[]): number {
  let width: number;
  if (spec.kind === 'mlp') {
    width = spec.inputSize;
    spec.hidden.forEach((units, i) => {
      layers.push(new Dense({ name: `fc${i + 1}`, inputSize: width, outputSize: units, activation: 'relu', maxBatch, allocator, inputGradient: i > 0 }));
      width = units;
    });
  } else {
    let height = spec.height, columns = spec.width, channels = spec.channels;
    spec.convs.forEach((c, i) => {
      const conv = new Conv2d({
        name: `conv${i + 1}`, inputHeight: height, inputWidth: columns, inputChannels: channels,
        filters: c.filters, kernelSize: c.kernelSize, stride: c.stride, activation: 'relu', maxBatch, allocator, inputGradient: i > 0,
      });
      layers.push(conv);
      height = conv.outputHeight; columns = conv.outputWidth; channels = c.filters;
    });
    width = height * columns * channels;
    layers.push(new Dense({ name: 'fc', inputSize: width, outputSize: spec.hidden, activation: 'relu', maxBatch, allocator }));
    width = spec.hidden;
  }
  return width;
}

/** Number of parameters of a network, without building its activation buffers. */
export function parameterCount(spec: NetworkSpec): number {
  return assemble(spec, 1, undefined, new CountingAllocator()).paramCount;
}
