/**
 * Reference TypeScript versions of the non-GEMM kernels: bias + activation, ReLU backward,
 * bias gradients, and the NHWC im2col / col2im of convolutions. Offsets count floats.
 */

/** Geometry of a 'valid' NHWC convolution. */
export interface ConvGeometry {
  H: number; W: number; C: number; KS: number; S: number; OH: number; OW: number;
}

/** C[M,N] = act(C + bias) row by row. */
export function biasActivation(M: number, N: number, C: Float32Array, cOffset: number, bias: Float32Array, biasOffset: number, relu: boolean): void {
  for (let i = 0; i < M; i++) {
    const row = cOffset + i * N;
    for (let j = 0; j < N; j++) {
      const v = C[row + j] + bias[biasOffset + j];
      C[row + j] = relu && v < 0 ? 0 : v;
    }
  }
}

/** gradIn = gradOut where output > 0, else 0, over [offset, offset + n) of all three. */
export function reluBackward(n: number, offset: number, output: Float32Array, gradOut: Float32Array, gradIn: Float32Array): void {
  for (let i = offset; i < offset + n; i++) gradIn[i] = output[i] > 0 ? gradOut[i] : 0;
}

/** biasGrad[j] += sum over M rows of G[i, j]. */
export function biasGradient(M: number, N: number, G: Float32Array, gOffset: number, biasGrad: Float32Array, biasOffset: number, accumulate = true): void {
  if (!accumulate) biasGrad.fill(0, biasOffset, biasOffset + N);
  for (let i = 0; i < M; i++) {
    const row = gOffset + i * N;
    for (let j = 0; j < N; j++) biasGrad[biasOffset + j] += G[row + j];
  }
}

/** One row of KS*KS*C patch values per output pixel; each kernel row is a contiguous run in NHWC. */
export function im2col(g: ConvGeometry, samples: number, input: Float32Array, inOffset: number, cols: Float32Array, colsOffset: number): void {
  const run = g.KS * g.C;
  const sampleSize = g.H * g.W * g.C;
  let dst = colsOffset;
  for (let b = 0; b < samples; b++) {
    const base = inOffset + b * sampleSize;
    for (let oy = 0; oy < g.OH; oy++) {
      for (let ox = 0; ox < g.OW; ox++) {
        for (let ky = 0; ky < g.KS; ky++) {
          let src = base + ((oy * g.S + ky) * g.W + ox * g.S) * g.C;
          for (let k = 0; k < run; k++) cols[dst++] = input[src++];
        }
      }
    }
  }
}

/** The adjoint of im2col: zeroes the samples' input gradient, then adds every patch row back. */
export function col2im(g: ConvGeometry, samples: number, colGrad: Float32Array, colOffset: number, inputGrad: Float32Array, inOffset: number): void {
  const run = g.KS * g.C;
  const sampleSize = g.H * g.W * g.C;
  inputGrad.fill(0, inOffset, inOffset + samples * sampleSize);
  let src = colOffset;
  for (let b = 0; b < samples; b++) {
    const base = inOffset + b * sampleSize;
    for (let oy = 0; oy < g.OH; oy++) {
      for (let ox = 0; ox < g.OW; ox++) {
        for (let ky = 0; ky < g.KS; ky++) {
          let dst = base + ((oy * g.S + ky) * g.W + ox * g.S) * g.C;
          for (let k = 0; k < run; k++) inputGrad[dst++] += colGrad[src++];
        }
      }
    }
  }
}

/** Sum of squares of x[offset .. offset + n), in double precision. */
export function sumSquares(n: number, x: Float32Array, offset: number): number {
  let sum = 0;
  for (let i = offset; i < offset + n; i++) sum += x[i] * x[i];
  return sum;
}
