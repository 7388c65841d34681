/**
 * Reference TypeScript versions of the convolution kernels (NHWC input, [KS, KS, C, F] weights,
 * 'valid' padding), written as plain loops over the patches. Offsets count floats.
 */

/** Geometry of a 'valid' NHWC convolution. */
export interface ConvGeometry {
  H: number; W: number; C: number; KS: number; S: number; OH: number; OW: number;
}

/** output[b, pixel, 0..F) = patch(pixel) . weights for `samples` samples (overwrites; no bias). */
export function convForward(g: ConvGeometry, F: number, samples: number, input: Float32Array, inOffset: number, weights: Float32Array, wOffset: number, output: Float32Array, outOffset: number): void {
  const run = g.KS * g.C;
  const sampleSize = g.H * g.W * g.C;
  let out = outOffset;
  for (let b = 0; b < samples; b++) {
    for (let oy = 0; oy < g.OH; oy++) {
      for (let ox = 0; ox < g.OW; ox++) {
        output.fill(0, out, out + F);
        let w = wOffset;
        for (let ky = 0; ky < g.KS; ky++) {
          const src = inOffset + b * sampleSize + ((oy * g.S + ky) * g.W + ox * g.S) * g.C;
          for (let k = 0; k < run; k++, w += F) {
            const x = input[src + k];
            if (x === 0) continue;
            for (let f = 0; f < F; f++) output[out + f] += x * weights[w + f];
          }
        }
        out += F;
      }
    }
  }
}

/** gradWeights[KS*KS*C, F] = sum over the samples' pixels of patch(pixel)^T gradOut[pixel] (overwrites). */
export function convFilterGrad(g: ConvGeometry, F: number, samples: number, input: Float32Array, inOffset: number, gradOut: Float32Array, gOffset: number, gradWeights: Float32Array, gwOffset: number): void {
  const run = g.KS * g.C;
  const sampleSize = g.H * g.W * g.C;
  gradWeights.fill(0, gwOffset, gwOffset + g.KS * run * F);
  let gp = gOffset;
  for (let b = 0; b < samples; b++) {
    for (let oy = 0; oy < g.OH; oy++) {
      for (let ox = 0; ox < g.OW; ox++) {
        let w = gwOffset;
        for (let ky = 0; ky < g.KS; ky++) {
          const src = inOffset + b * sampleSize + ((oy * g.S + ky) * g.W + ox * g.S) * g.C;
          for (let k = 0; k < run; k++, w += F) {
            const x = input[src + k];
            if (x === 0) continue;
            for (let f = 0; f < F; f++) gradWeights[w + f] += x * gradOut[gp + f];
          }
        }
        gp += F;
      }
    }
  }
}

/**
 * inputGrad = the gradient with respect to the samples' input: zeroed, then every pixel adds
 * gradOut[pixel, 0..F) . weights[KS*KS*C, F]^T into the patch it read. `scratch` (KS*KS*C*F
 * floats) is working space the SIMD version packs the weights into; this version needs none.
 */
export function convInputGrad(g: ConvGeometry, F: number, samples: number, gradOut: Float32Array, gOffset: number, weights: Float32Array, wOffset: number, inputGrad: Float32Array, inOffset: number, _scratch: Float32Array): void {
  const run = g.KS * g.C;
  const sampleSize = g.H * g.W * g.C;
  inputGrad.fill(0, inOffset, inOffset + samples * sampleSize);
  let gp = gOffset;
  for (let b = 0; b < samples; b++) {
    for (let oy = 0; oy < g.OH; oy++) {
      for (let ox = 0; ox < g.OW; ox++) {
        let w = wOffset;
        for (let ky = 0; ky < g.KS; ky++) {
          const dst = inOffset + b * sampleSize + ((oy * g.S + ky) * g.W + ox * g.S) * g.C;
          for (let k = 0; k < run; k++, w += F) {
            let sum = 0;
            for (let f = 0; f < F; f++) sum += gradOut[gp + f] * weights[w + f];
            inputGrad[dst + k] += sum;
          }
        }
        gp += F;
      }
    }
  }
}
