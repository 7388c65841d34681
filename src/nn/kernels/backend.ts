import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { gemmNN, gemmNT, gemmTN } from './gemm.js';
import { biasActivation, biasGradient, reluBackward, sumSquares } from './elementwise.js';
import { convFilterGrad, convForward, convInputGrad, type ConvGeometry } from './conv.js';

/**
 * Where a network's buffers live and which kernels compute on them. The 'js' backend uses plain
 * Float32Arrays and the TypeScript kernels; the 'wasm' backend places every buffer of a network
 * in one WebAssembly memory (sized once, never grown, so views stay valid) and runs the SIMD
 * kernels from assembly/kernels.ts on it.
 */
export type KernelName = 'js' | 'wasm';

export interface Kernels {
  readonly name: KernelName;
  gemmNN: typeof gemmNN;
  gemmTN: typeof gemmTN;
  gemmNT: typeof gemmNT;
  biasActivation: typeof biasActivation;
  reluBackward: typeof reluBackward;
  biasGradient: typeof biasGradient;
  convForward: typeof convForward;
  convFilterGrad: typeof convFilterGrad;
  convInputGrad: typeof convInputGrad;
  sumSquares: typeof sumSquares;
}

export interface Allocator {
  readonly kernels: Kernels;
  floats(count: number): Float32Array;
}

export const jsKernels: Kernels = { name: 'js', gemmNN, gemmTN, gemmNT, biasActivation, reluBackward, biasGradient, convForward, convFilterGrad, convInputGrad, sumSquares };

export class HeapAllocator implements Allocator {
  readonly kernels = jsKernels;
  floats(count: number): Float32Array { return new Float32Array(count); }
}

/** Records how many bytes a network would take; hands out empty arrays. */
export class CountingAllocator implements Allocator {
  readonly kernels = jsKernels;
  bytes = 0;
  floats(count: number): Float32Array {
    this.bytes += align16(count * 4);
    return new Float32Array(0);
  }
}

interface WasmExports {
  gemmNN(M: number, N: number, K: number, a: number, b: number, c: number, accumulate: number): number; // what the kernel's prefetching pass read (unused)
  gemmTN(M: number, N: number, K: number, a: number, b: number, c: number, accumulate: number): void;
  gemmNT(M: number, N: number, K: number, a: number, b: number, c: number, accumulate: number): void;
  biasActivation(M: number, N: number, c: number, bias: number, relu: number): void;
  reluBackward(n: number, output: number, gradOut: number, gradIn: number): void;
  biasGradient(M: number, N: number, g: number, biasGrad: number, accumulate: number): void;
  convForward(samples: number, H: number, W: number, C: number, KS: number, S: number, OH: number, OW: number, F: number, input: number, weights: number, output: number): number; // what the kernel's prefetching pass read (unused)
  convFilterGrad(samples: number, H: number, W: number, C: number, KS: number, S: number, OH: number, OW: number, F: number, input: number, gradOut: number, gradWeights: number): void;
  convInputGrad(samples: number, H: number, W: number, C: number, KS: number, S: number, OH: number, OW: number, F: number, gradOut: number, weights: number, packed: number, inputGrad: number): void;
  sumSquares(n: number, x: number): number;
}

let compiled: WebAssembly.Module | null | undefined;
let variant: 'fma' | 'simd' | null = null;

/**
 * The compiled kernel module, or null when it was not built or SIMD is unavailable. The fused
 * multiply-add build (relaxed SIMD, ~18% faster updates) is used where this Node accepts it:
 * Node 20 has relaxed SIMD behind a V8 flag, which is switched on here before anything is
 * compiled (it is process-wide, so worker threads see it too). A3C_NO_FMA=1 keeps the plain
 * SIMD build, e.g. to compare.
 */
export function wasmModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  if (process.env.A3C_NO_FMA !== '1') {
    try {
      setFlagsFromString('--experimental-wasm-relaxed-simd');
      const bytes = readFileSync(new URL('../../../../build/kernels-fma.wasm', import.meta.url));
      if (WebAssembly.validate(bytes)) {
        compiled = new WebAssembly.Module(bytes);
        variant = 'fma';
      }
    } catch { /* not built, or this engine has no relaxed SIMD: the plain build below */ }
  }
  if (compiled === null) {
    try {
      compiled = new WebAssembly.Module(readFileSync(new URL('../../../../build/kernels.wasm', import.meta.url)));
      variant = 'simd';
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Which WebAssembly build the kernels use: fused multiply-add, plain SIMD, or none. */
export function wasmVariant(): 'fma' | 'simd' | null {
  wasmModule();
  return variant;
}

export function wasmAvailable(): boolean {
  return wasmModule() !== null;
}

/** Part of a shared WebAssembly memory set aside for one network (see GlobalStore.arenaRegion). */
export interface ArenaRegion {
  memory: WebAssembly.Memory;
  byteOffset: number;
  byteLength: number;
}

/** Bytes a region must span to hold an arena of `bytes` (alignment and the unused first 16 bytes included). */
export function arenaRegionBytes(bytes: number): number {
  return align16(bytes) + 32;
}

/**
 * One network's buffers in one WebAssembly memory, and the SIMD kernels bound to it. The memory
 * is the arena's own, or a region of a memory shared with the global network: a worker's net is
 * built there, so its gradient is already where the locked optimizer step reads it (no copy).
 * Memories are shared ones either way: the kernel build imports a shared memory.
 */
export class WasmArena implements Allocator {
  readonly kernels: Kernels;
  private readonly memory: WebAssembly.Memory;
  private readonly buffer: ArrayBufferLike;
  private next: number;
  private readonly end: number;

  constructor(bytes: number, region?: ArenaRegion) {
    const module = wasmModule();
    if (!module) throw new Error('the WebAssembly kernels are not built: run `npm run build` (or use --kernels js)');
    if (region) {
      if (region.byteOffset % 16 !== 0 || region.byteLength < arenaRegionBytes(bytes)) {
        throw new Error(`arena region of ${region.byteLength} bytes at ${region.byteOffset} cannot hold ${bytes} bytes`);
      }
      this.memory = region.memory;
      this.next = region.byteOffset + 16; // keep the region's first bytes (address 0 of a private memory) unused
      this.end = region.byteOffset + region.byteLength;
    } else {
      const pages = Math.ceil(arenaRegionBytes(bytes) / 65536);
      this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
      this.next = 16;
      this.end = pages * 65536;
    }
    this.buffer = this.memory.buffer;
    const exports = new WebAssembly.Instance(module, { env: { memory: this.memory, abort: () => { throw new Error('wasm abort'); } } }).exports as unknown as WasmExports;
    const buffer = this.buffer;
    const inArena = (a: Float32Array, b: Float32Array, c: Float32Array = a): boolean => a.buffer === buffer && b.buffer === buffer && c.buffer === buffer;
    const at = (x: Float32Array, offset: number): number => x.byteOffset + offset * 4;
    this.kernels = {
      name: 'wasm',
      gemmNN: (M, N, K, A, aOffset, B, bOffset, C, cOffset, accumulate) => {
        if (inArena(A, B, C)) exports.gemmNN(M, N, K, A.byteOffset + aOffset * 4, B.byteOffset + bOffset * 4, C.byteOffset + cOffset * 4, accumulate ? 1 : 0);
        else gemmNN(M, N, K, A, aOffset, B, bOffset, C, cOffset, accumulate);
      },
      gemmTN: (M, N, K, A, aOffset, B, bOffset, C, cOffset, accumulate = true) => {
        if (inArena(A, B, C)) exports.gemmTN(M, N, K, A.byteOffset + aOffset * 4, B.byteOffset + bOffset * 4, C.byteOffset + cOffset * 4, accumulate ? 1 : 0);
        else gemmTN(M, N, K, A, aOffset, B, bOffset, C, cOffset, accumulate);
      },
      gemmNT: (M, N, K, A, aOffset, B, bOffset, C, cOffset, accumulate) => {
        if (inArena(A, B, C)) exports.gemmNT(M, N, K, A.byteOffset + aOffset * 4, B.byteOffset + bOffset * 4, C.byteOffset + cOffset * 4, accumulate ? 1 : 0);
        else gemmNT(M, N, K, A, aOffset, B, bOffset, C, cOffset, accumulate);
      },
      biasActivation: (M, N, C, cOffset, bias, biasOffset, relu) => {
        if (inArena(C, bias)) exports.biasActivation(M, N, at(C, cOffset), at(bias, biasOffset), relu ? 1 : 0);
        else biasActivation(M, N, C, cOffset, bias, biasOffset, relu);
      },
      reluBackward: (n, offset, output, gradOut, gradIn) => {
        if (inArena(output, gradOut, gradIn)) exports.reluBackward(n, at(output, offset), at(gradOut, offset), at(gradIn, offset));
        else reluBackward(n, offset, output, gradOut, gradIn);
      },
      biasGradient: (M, N, G, gOffset, biasGrad, biasOffset, accumulate = true) => {
        if (inArena(G, biasGrad)) exports.biasGradient(M, N, at(G, gOffset), at(biasGrad, biasOffset), accumulate ? 1 : 0);
        else biasGradient(M, N, G, gOffset, biasGrad, biasOffset, accumulate);
      },
      convForward: (g, F, samples, input, inOffset, weights, wOffset, output, outOffset) => {
        if (inArena(input, weights, output) && simdConvShape(g, F)) exports.convForward(samples, g.H, g.W, g.C, g.KS, g.S, g.OH, g.OW, F, at(input, inOffset), at(weights, wOffset), at(output, outOffset));
        else convForward(g, F, samples, input, inOffset, weights, wOffset, output, outOffset);
      },
      convFilterGrad: (g, F, samples, input, inOffset, gradOut, gOffset, gradWeights, gwOffset) => {
        if (inArena(input, gradOut, gradWeights) && simdConvShape(g, F)) exports.convFilterGrad(samples, g.H, g.W, g.C, g.KS, g.S, g.OH, g.OW, F, at(input, inOffset), at(gradOut, gOffset), at(gradWeights, gwOffset));
        else convFilterGrad(g, F, samples, input, inOffset, gradOut, gOffset, gradWeights, gwOffset);
      },
      convInputGrad: (g, F, samples, gradOut, gOffset, weights, wOffset, inputGrad, inOffset, scratch) => {
        if (inArena(gradOut, weights, inputGrad) && inArena(scratch, scratch) && (g.KS * g.C) % 8 === 0 && scratch.length >= g.KS * g.KS * g.C * F) {
          exports.convInputGrad(samples, g.H, g.W, g.C, g.KS, g.S, g.OH, g.OW, F, at(gradOut, gOffset), at(weights, wOffset), at(scratch, 0), at(inputGrad, inOffset));
        } else convInputGrad(g, F, samples, gradOut, gOffset, weights, wOffset, inputGrad, inOffset, scratch);
      },
      sumSquares: (n, x, offset) => (x.buffer === buffer ? exports.sumSquares(n, at(x, offset)) : sumSquares(n, x, offset)),
    };
  }

  floats(count: number): Float32Array {
    const bytes = align16(count * 4);
    if (this.next + bytes > this.end) throw new Error(`wasm arena exhausted: needs ${bytes} more bytes at ${this.next}, ends at ${this.end}`);
    const view = new Float32Array(this.buffer, this.next, count);
    this.next += bytes;
    return view;
  }
}

/** The SIMD forward and filter gradient tile 8 filters and 4 patch entries of one kernel row; other shapes take the TypeScript loops. */
function simdConvShape(g: ConvGeometry, F: number): boolean {
  return F % 8 === 0 && (g.KS * g.C) % 4 === 0;
}

function align16(bytes: number): number {
  return (bytes + 15) & ~15;
}
