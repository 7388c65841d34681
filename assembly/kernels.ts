// WebAssembly SIMD kernels for the shapes A3C uses (batch 1 to act, batch 20 to learn).
// AssemblyScript, compiled by `npm install` (see package.json "build:wasm"). Every pointer is a
// byte address in the imported memory; matrices are row-major f32; nothing is allocated.

@inline function splat(x: f32): v128 { return f32x4.splat(x); }
/** acc + a * b: fused where the build enables relaxed SIMD (build/kernels-fma.wasm), else multiply then add. */
@inline function madd(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/**
 * Reads one word per 64-byte line of [p, p + bytes), front to back, and returns them xor-ed (so
 * the reads cannot be dropped). The tiles read their operands in patterns the hardware
 * prefetcher does not follow (8 input rows at once, 1 KB strides), and after the optimizer pass
 * has flushed the caches they waited on memory: a sequential pass first brings the data in at
 * full bandwidth (conv1 forward after an update: 1.84 -> 1.41 ms, this pass included). The
 * filter gradient reads the same samples soon after the forward and gains nothing from it.
 */
function touch(p: usize, bytes: usize): u32 {
  let x: u32 = 0;
  const end = p + bytes;
  for (; p < end; p += 64) x ^= load<u32>(p);
  return x;
}

/** c[0..8) += (lo, hi): adds one row of a 4x8 register tile back into C. */
@inline function addPair(c: usize, lo: v128, hi: v128): void {
  v128.store(c, f32x4.add(v128.load(c), lo));
  v128.store(c, f32x4.add(v128.load(c, 16), hi), 16);
}

/** c[0..n) += x * b[0..n): one row of C updated from one row of B (4 lanes, then scalar). */
@inline function axpy(n: i32, x: f32, b: usize, c: usize): void {
  const xv = splat(x);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const off = <usize>j << 2;
    v128.store(c + off, madd(v128.load(c + off), xv, v128.load(b + off)));
  }
  for (; j < n; j++) {
    const off = <usize>j << 2;
    store<f32>(c + off, load<f32>(c + off) + x * load<f32>(b + off));
  }
}

/** Above this many floats B no longer fits in cache: gemmNN blocks it, gemmNT makes its column quads the outer loop. */
const STREAM_B_FLOATS = 1 << 18;
/** Bytes of B (whole rows) a blocked gemmNN pass keeps in L2 while every quad of rows uses them. */
const STREAM_BLOCK_BYTES = 128 << 10;

/** C[0..4)[0..8) += A[0..4) (rows rowA apart) . B[0..K)[0..8) (rows rowC apart): gemmNN's 4x8 register tile. */
@inline function nnTile(a0: usize, rowA: usize, bp: usize, rowC: usize, K: i32, c0: usize): void {
  const a1 = a0 + rowA, a2 = a1 + rowA, a3 = a2 + rowA;
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
  let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
  const end = <usize>K << 2;
  for (let po: usize = 0; po < end; po += 4) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    const x0 = v128.load32_splat(a0 + po), x1 = v128.load32_splat(a1 + po);
    const x2 = v128.load32_splat(a2 + po), x3 = v128.load32_splat(a3 + po);
    s00 = madd(s00, x0, b0); s01 = madd(s01, x0, b1);
    s10 = madd(s10, x1, b0); s11 = madd(s11, x1, b1);
    s20 = madd(s20, x2, b0); s21 = madd(s21, x2, b1);
    s30 = madd(s30, x3, b0); s31 = madd(s31, x3, b1);
    bp += rowC;
  }
  const c1 = c0 + rowC, c2 = c1 + rowC, c3 = c2 + rowC;
  addPair(c0, s00, s01); addPair(c1, s10, s11);
  addPair(c2, s20, s21); addPair(c3, s30, s31);
}

/** Columns [j0, N) of four rows of C += A . B as scalar dot products (what the 8-wide tiles leave). */
@inline function nnColumns(a0: usize, rowA: usize, b: usize, rowC: usize, K: i32, c0: usize, j0: i32, N: i32): void {
  const a1 = a0 + rowA, a2 = a1 + rowA, a3 = a2 + rowA;
  const c1 = c0 + rowC, c2 = c1 + rowC, c3 = c2 + rowC;
  for (let j = j0; j < N; j++) {
    const jo = <usize>j << 2;
    let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0;
    for (let p = 0; p < K; p++) {
      const po = <usize>p << 2;
      const bv = load<f32>(b + <usize>p * rowC + jo);
      t0 += load<f32>(a0 + po) * bv; t1 += load<f32>(a1 + po) * bv;
      t2 += load<f32>(a2 + po) * bv; t3 += load<f32>(a3 + po) * bv;
    }
    store<f32>(c0 + jo, load<f32>(c0 + jo) + t0); store<f32>(c1 + jo, load<f32>(c1 + jo) + t1);
    store<f32>(c2 + jo, load<f32>(c2 + jo) + t2); store<f32>(c3 + jo, load<f32>(c3 + jo) + t3);
  }
}

/** C[M,N] (+)= A[M,K] B[K,N]. */
export function gemmNN(M: i32, N: i32, K: i32, a: usize, b: usize, c: usize, accumulate: i32): u32 {
  let sink: u32 = 0; // what touch() read, returned so the reads stay
  const rowC = <usize>N << 2, rowA = <usize>K << 2;
  if (!accumulate) memory.fill(c, 0, <usize>M * rowC);
  const M4 = M & ~3;
  if (M4 == 0) {
    // batch 1: only the row-by-row loop below
  } else if (<i64>K * N > STREAM_B_FLOATS) {
    // Large weights (the dense layer): blocks of B rows (about 128 KB) outermost, so each block
    // is fetched once and stays in L2 while every quad of rows runs its tiles over it. Before:
    // four rows at a time streaming all of B, which read it 5 times at batch 20 and updated C
    // in memory (small net's fc forward 0.89 -> 0.50 ms).
    const blockRows = max(8, STREAM_BLOCK_BYTES / N >> 2);
    for (let p0 = 0; p0 < K; p0 += blockRows) {
      const rows = min(blockRows, K - p0);
      const po = <usize>p0 << 2, bb = b + <usize>p0 * rowC;
      sink ^= touch(bb, <usize>rows * rowC);
      for (let i = 0; i < M4; i += 4) {
        const a0 = a + <usize>i * rowA + po, c0 = c + <usize>i * rowC;
        let j = 0;
        for (; j + 8 <= N; j += 8) nnTile(a0, rowA, bb + (<usize>j << 2), rowC, rows, c0 + (<usize>j << 2));
        nnColumns(a0, rowA, bb, rowC, rows, c0, j, N);
      }
    }
  } else {
    for (let i = 0; i < M4; i += 4) {
      const a0 = a + <usize>i * rowA, c0 = c + <usize>i * rowC;
      let j = 0;
      for (; j + 8 <= N; j += 8) nnTile(a0, rowA, b + (<usize>j << 2), rowC, K, c0 + (<usize>j << 2));
      nnColumns(a0, rowA, b, rowC, K, c0, j, N);
    }
  }
  let i = M4;
  // remaining rows (batch 1 lands here): stream B row by row, skipping zero inputs (ReLU)
  for (; i < M; i++) {
    const ar = a + <usize>i * rowA, cr = c + <usize>i * rowC;
    for (let p = 0; p < K; p++) {
      const x = load<f32>(ar + (<usize>p << 2));
      if (x == 0) continue;
      axpy(N, x, b + <usize>p * rowC, cr);
    }
  }
  return sink;
}

/** Rows of A and B a gemmTN pass keeps in cache: blocks of K bound what the 4x8 tiles re-read. */
const TN_K_BLOCK = 64;

/**
 * C[M,N] (+)= A[K,M]^T B[K,N] (weight gradients). K (batch x pixels) is taken in blocks of
 * TN_K_BLOCK rows, so the block of A the tiles of one row band re-read stays in cache: conv1's
 * filter gradient has K = 8,000 rows of 1 KB. Without `accumulate` the first block stores its
 * tiles, so gradients need no zeroing pass (10 MB for the reference net) beforehand.
 */
export function gemmTN(M: i32, N: i32, K: i32, a: usize, b: usize, c: usize, accumulate: i32): void {
  const rowA = <usize>M << 2, rowB = <usize>N << 2;
  if (!accumulate && (K == 0 || (N & 7) != 0)) memory.fill(c, 0, <usize>M * rowB);
  else if (!accumulate) memory.fill(c + <usize>(M & ~3) * rowB, 0, <usize>(M & 3) * rowB);
  const overwrite = !accumulate && (N & 7) == 0;
  for (let k0 = 0; k0 < K; k0 += TN_K_BLOCK) {
    const kb = min(TN_K_BLOCK, K - k0);
    gemmTNBlock(M, N, kb, a + <usize>k0 * rowA, b + <usize>k0 * rowB, c, rowA, rowB, overwrite && k0 == 0);
  }
  for (let i = M & ~3; i < M; i++) {
    const cr = c + <usize>i * rowB;
    for (let p = 0; p < K; p++) {
      const x = load<f32>(a + <usize>p * rowA + (<usize>i << 2));
      if (x == 0) continue;
      axpy(N, x, b + <usize>p * rowB, cr);
    }
  }
}

/** The 4-row bands of gemmTN over K rows of A and B (row strides rowA, rowB); `firstWrite` stores C instead of adding (N a multiple of 8). */
@inline function gemmTNBlock(M: i32, N: i32, K: i32, a: usize, b: usize, c: usize, rowA: usize, rowB: usize, firstWrite: bool): void {
  for (let i = 0; i + 4 <= M; i += 4) {
    const io = <usize>i << 2;
    const c0 = c + <usize>i * rowB, c1 = c0 + rowB, c2 = c1 + rowB, c3 = c2 + rowB;
    let j = 0;
    for (; j + 8 <= N; j += 8) {
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
      let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
      let ap = a + io, bp = b + (<usize>j << 2);
      for (let p = 0; p < K; p++) {
        const b0 = v128.load(bp), b1 = v128.load(bp, 16);
        const x0 = v128.load32_splat(ap), x1 = v128.load32_splat(ap, 4);
        const x2 = v128.load32_splat(ap, 8), x3 = v128.load32_splat(ap, 12);
        s00 = madd(s00, x0, b0); s01 = madd(s01, x0, b1);
        s10 = madd(s10, x1, b0); s11 = madd(s11, x1, b1);
        s20 = madd(s20, x2, b0); s21 = madd(s21, x2, b1);
        s30 = madd(s30, x3, b0); s31 = madd(s31, x3, b1);
        ap += rowA; bp += rowB;
      }
      const jo = <usize>j << 2;
      if (firstWrite) {
        v128.store(c0 + jo, s00); v128.store(c0 + jo, s01, 16); v128.store(c1 + jo, s10); v128.store(c1 + jo, s11, 16);
        v128.store(c2 + jo, s20); v128.store(c2 + jo, s21, 16); v128.store(c3 + jo, s30); v128.store(c3 + jo, s31, 16);
      } else {
        addPair(c0 + jo, s00, s01); addPair(c1 + jo, s10, s11);
        addPair(c2 + jo, s20, s21); addPair(c3 + jo, s30, s31);
      }
    }
    for (; j < N; j++) {
      const jo = <usize>j << 2;
      let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0;
      for (let p = 0; p < K; p++) {
        const ap = a + <usize>p * rowA + io;
        const bv = load<f32>(b + <usize>p * rowB + jo);
        t0 += load<f32>(ap) * bv; t1 += load<f32>(ap, 4) * bv; t2 += load<f32>(ap, 8) * bv; t3 += load<f32>(ap, 12) * bv;
      }
      store<f32>(c0 + jo, load<f32>(c0 + jo) + t0); store<f32>(c1 + jo, load<f32>(c1 + jo) + t1);
      store<f32>(c2 + jo, load<f32>(c2 + jo) + t2); store<f32>(c3 + jo, load<f32>(c3 + jo) + t3);
    }
  }
}

/**
 * C[M,N] (+)= A[M,K] B[N,K]^T (input gradients): SIMD dot products, 2 rows x 4 columns a tile.
 * When B is large (the dense layer's 5 MB of weights) the column quads are the outer loop, so B
 * streams through the cache once instead of once per pair of rows.
 */
export function gemmNT(M: i32, N: i32, K: i32, a: usize, b: usize, c: usize, accumulate: i32): void {
  const rowA = <usize>K << 2, rowC = <usize>N << 2;
  const M2 = M & ~1, N4 = N & ~3;
  if (<i64>K * N > STREAM_B_FLOATS) {
    for (let j = 0; j < N4; j += 4) {
      for (let i = 0; i < M2; i += 2) ntTile(i, j, K, a, b, c, rowA, rowC, accumulate);
      for (let i = M2; i < M; i++) ntDots(i, j, j + 4, K, a, b, c, rowA, rowC, accumulate);
    }
  } else {
    for (let i = 0; i < M2; i += 2) {
      for (let j = 0; j < N4; j += 4) ntTile(i, j, K, a, b, c, rowA, rowC, accumulate);
    }
    for (let i = M2; i < M; i++) ntDots(i, 0, N4, K, a, b, c, rowA, rowC, accumulate);
  }
  for (let i = 0; i < M; i++) ntDots(i, N4, N, K, a, b, c, rowA, rowC, accumulate);
}

/** One 2x4 tile of gemmNT: rows i, i+1 of C, columns j..j+3. */
@inline function ntTile(i: i32, j: i32, K: i32, a: usize, b: usize, c: usize, rowA: usize, rowC: usize, accumulate: i32): void {
  const K4 = K & ~3;
  const a0 = a + <usize>i * rowA, a1 = a0 + rowA;
  const c0 = c + <usize>i * rowC, c1 = c0 + rowC;
  const b0 = b + <usize>j * rowA, b1 = b0 + rowA, b2 = b1 + rowA, b3 = b2 + rowA;
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
  let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
  for (let p = 0; p < K4; p += 4) {
    const po = <usize>p << 2;
    const x0 = v128.load(a0 + po), x1 = v128.load(a1 + po);
    const y0 = v128.load(b0 + po), y1 = v128.load(b1 + po), y2 = v128.load(b2 + po), y3 = v128.load(b3 + po);
    s00 = madd(s00, x0, y0); s01 = madd(s01, x0, y1); s02 = madd(s02, x0, y2); s03 = madd(s03, x0, y3);
    s10 = madd(s10, x1, y0); s11 = madd(s11, x1, y1); s12 = madd(s12, x1, y2); s13 = madd(s13, x1, y3);
  }
  let r00 = hsum(s00), r01 = hsum(s01), r02 = hsum(s02), r03 = hsum(s03);
  let r10 = hsum(s10), r11 = hsum(s11), r12 = hsum(s12), r13 = hsum(s13);
  for (let p = K4; p < K; p++) {
    const po = <usize>p << 2;
    const x0 = load<f32>(a0 + po), x1 = load<f32>(a1 + po);
    const y0 = load<f32>(b0 + po), y1 = load<f32>(b1 + po), y2 = load<f32>(b2 + po), y3 = load<f32>(b3 + po);
    r00 += x0 * y0; r01 += x0 * y1; r02 += x0 * y2; r03 += x0 * y3;
    r10 += x1 * y0; r11 += x1 * y1; r12 += x1 * y2; r13 += x1 * y3;
  }
  const jo = <usize>j << 2;
  if (accumulate) {
    r00 += load<f32>(c0 + jo); r01 += load<f32>(c0 + jo, 4); r02 += load<f32>(c0 + jo, 8); r03 += load<f32>(c0 + jo, 12);
    r10 += load<f32>(c1 + jo); r11 += load<f32>(c1 + jo, 4); r12 += load<f32>(c1 + jo, 8); r13 += load<f32>(c1 + jo, 12);
  }
  store<f32>(c0 + jo, r00); store<f32>(c0 + jo, r01, 4); store<f32>(c0 + jo, r02, 8); store<f32>(c0 + jo, r03, 12);
  store<f32>(c1 + jo, r10); store<f32>(c1 + jo, r11, 4); store<f32>(c1 + jo, r12, 8); store<f32>(c1 + jo, r13, 12);
}

/** Row i of C, columns [j0, j1), as single dot products (the remainders of the tiles). */
@inline function ntDots(i: i32, j0: i32, j1: i32, K: i32, a: usize, b: usize, c: usize, rowA: usize, rowC: usize, accumulate: i32): void {
  const ai = a + <usize>i * rowA, ci = c + <usize>i * rowC;
  for (let j = j0; j < j1; j++) {
    const jo = <usize>j << 2;
    store<f32>(ci + jo, dot(K, ai, b + <usize>j * rowA) + (accumulate ? load<f32>(ci + jo) : 0));
  }
}

@inline function dot(K: i32, x: usize, y: usize): f32 {
  let s = f32x4.splat(0);
  let p = 0;
  for (; p + 4 <= K; p += 4) s = madd(s, v128.load(x + (<usize>p << 2)), v128.load(y + (<usize>p << 2)));
  let r = hsum(s);
  for (; p < K; p++) r += load<f32>(x + (<usize>p << 2)) * load<f32>(y + (<usize>p << 2));
  return r;
}

/** C[M,N] = act(C + bias): adds the bias row to every row, then ReLU if `relu`. */
export function biasActivation(M: i32, N: i32, c: usize, bias: usize, relu: i32): void {
  const zero = f32x4.splat(0);
  const rowC = <usize>N << 2;
  for (let i = 0; i < M; i++) {
    const cr = c + <usize>i * rowC;
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const o = <usize>j << 2;
      let v = f32x4.add(v128.load(cr + o), v128.load(bias + o));
      if (relu) v = f32x4.max(v, zero);
      v128.store(cr + o, v);
    }
    for (; j < N; j++) {
      const o = <usize>j << 2;
      let v = load<f32>(cr + o) + load<f32>(bias + o);
      if (relu && v < 0) v = 0;
      store<f32>(cr + o, v);
    }
  }
}

/** gradIn[i] = output[i] > 0 ? gradOut[i] : 0 over n floats. */
export function reluBackward(n: i32, output: usize, gradOut: usize, gradIn: usize): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const mask = f32x4.gt(v128.load(output + o), zero);
    v128.store(gradIn + o, v128.and(v128.load(gradOut + o), mask));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(gradIn + o, load<f32>(output + o) > 0 ? load<f32>(gradOut + o) : 0);
  }
}

/** biasGrad[j] (+)= sum over the M rows of g[i, j]. */
export function biasGradient(M: i32, N: i32, g: usize, biasGrad: usize, accumulate: i32): void {
  // Overwriting must not read the old value at all: 0 * NaN is NaN, and a NaN left there would stay.
  const rowG = <usize>N << 2;
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    const o = <usize>j << 2;
    let s = f32x4.splat(0);
    for (let i = 0; i < M; i++) s = f32x4.add(s, v128.load(g + <usize>i * rowG + o));
    v128.store(biasGrad + o, accumulate ? f32x4.add(v128.load(biasGrad + o), s) : s);
  }
  for (; j < N; j++) {
    const o = <usize>j << 2;
    let s: f32 = 0;
    for (let i = 0; i < M; i++) s += load<f32>(g + <usize>i * rowG + o);
    store<f32>(biasGrad + o, accumulate ? load<f32>(biasGrad + o) + s : s);
  }
}

/** Byte address of output pixel `i`'s patch origin in one NHWC sample (row oy*S, column ox*S). */
@inline function patchOrigin(sample: usize, i: i32, OW: i32, rowStride: usize, stepX: usize, S: i32): usize {
  const oy = i / OW;
  return sample + <usize>(oy * S) * rowStride + <usize>(i - oy * OW) * stepX;
}

/**
 * One 4-pixel x 8-filter tile of convForward: c[0..4)[0..8) = patches a0..a3 . w. The pointers
 * only advance by increments: written with offsets recomputed from loop counters, V8 spilled five
 * of them to the stack inside the loop and the forward ran 1.7x slower.
 */
@inline function patchTile(a0: usize, a1: usize, a2: usize, a3: usize, w: usize, c0: usize, rowC: usize, KS: i32, runBytes: usize, rowStride: usize): void {
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
  let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
  let bp = w;
  for (let ky = 0; ky < KS; ky++) {
    for (let o: usize = 0; o < runBytes; o += 4) {
      const b0 = v128.load(bp), b1 = v128.load(bp, 16);
      const x0 = v128.load32_splat(a0 + o), x1 = v128.load32_splat(a1 + o);
      const x2 = v128.load32_splat(a2 + o), x3 = v128.load32_splat(a3 + o);
      s00 = madd(s00, x0, b0); s01 = madd(s01, x0, b1);
      s10 = madd(s10, x1, b0); s11 = madd(s11, x1, b1);
      s20 = madd(s20, x2, b0); s21 = madd(s21, x2, b1);
      s30 = madd(s30, x3, b0); s31 = madd(s31, x3, b1);
      bp += rowC;
    }
    a0 += rowStride; a1 += rowStride; a2 += rowStride; a3 += rowStride;
  }
  const c1 = c0 + rowC, c2 = c1 + rowC, c3 = c2 + rowC;
  v128.store(c0, s00); v128.store(c0, s01, 16); v128.store(c1, s10); v128.store(c1, s11, 16);
  v128.store(c2, s20); v128.store(c2, s21, 16); v128.store(c3, s30); v128.store(c3, s31, 16);
}

/**
 * Convolution forward as an implicit GEMM: output[b, pixel, F] = patch(pixel) . weights[K, F],
 * reading each patch straight from the NHWC input (KS runs of KS*C contiguous floats) instead of
 * an im2col copy. 4 pixels x 8 filters a register tile; F must be a multiple of 8.
 */
export function convForward(samples: i32, H: i32, W: i32, C: i32, KS: i32, S: i32, OH: i32, OW: i32, F: i32, input: usize, weights: usize, output: usize): u32 {
  let sink: u32 = 0; // what touch() read, returned so the reads stay
  const run = KS * C;
  const rowStride = <usize>(W * C) << 2, stepX = <usize>(S * C) << 2, rowC = <usize>F << 2;
  const pixels = OH * OW;
  const sampleBytes = <usize>(H * W * C) << 2;
  for (let b = 0; b < samples; b++) {
    const sample = input + <usize>b * sampleBytes;
    const out = output + <usize>(b * pixels) * rowC;
    sink ^= touch(sample, sampleBytes);
    let i = 0;
    for (; i + 4 <= pixels; i += 4) {
      const a0 = patchOrigin(sample, i, OW, rowStride, stepX, S), a1 = patchOrigin(sample, i + 1, OW, rowStride, stepX, S);
      const a2 = patchOrigin(sample, i + 2, OW, rowStride, stepX, S), a3 = patchOrigin(sample, i + 3, OW, rowStride, stepX, S);
      const c0 = out + <usize>i * rowC;
      for (let j = 0; j < F; j += 8) {
        const jo = <usize>j << 2;
        patchTile(a0, a1, a2, a3, weights + jo, c0 + jo, rowC, KS, <usize>run << 2, rowStride);
      }
    }
    // remaining pixels (and batch-1 shapes whose pixel count is not a multiple of 4): one row each
    for (; i < pixels; i++) {
      const a0 = patchOrigin(sample, i, OW, rowStride, stepX, S);
      const cr = out + <usize>i * rowC;
      memory.fill(cr, 0, rowC);
      let bp = weights;
      let ro: usize = 0;
      for (let ky = 0; ky < KS; ky++) {
        for (let q = 0; q < run; q++) {
          const x = load<f32>(a0 + ro + (<usize>q << 2));
          if (x != 0) axpy(F, x, bp, cr);
          bp += rowC;
        }
        ro += rowStride;
      }
    }
  }
  return sink;
}

/**
 * One 4-entry x 8-filter tile of convFilterGrad over `rows` output rows of OW pixels: w[0..4)[0..8)
 * (+)= sum over the pixels of patch entries (ap..ap+12) x gradOut (bp..bp+28). Pointers advance
 * by increments only, which keeps V8 from spilling them (see patchTile).
 */
@inline function filterGradTile(ap: usize, bp: usize, w0: usize, rows: i32, OW: i32, stepX: usize, outRowStride: usize, rowC: usize, first: bool): void {
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
  let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    let a = ap;
    for (let ox = 0; ox < OW; ox++) {
      const b0 = v128.load(bp), b1 = v128.load(bp, 16);
      const x0 = v128.load32_splat(a), x1 = v128.load32_splat(a, 4);
      const x2 = v128.load32_splat(a, 8), x3 = v128.load32_splat(a, 12);
      s00 = madd(s00, x0, b0); s01 = madd(s01, x0, b1);
      s10 = madd(s10, x1, b0); s11 = madd(s11, x1, b1);
      s20 = madd(s20, x2, b0); s21 = madd(s21, x2, b1);
      s30 = madd(s30, x3, b0); s31 = madd(s31, x3, b1);
      a += stepX; bp += rowC;
    }
    ap += outRowStride;
  }
  const w1 = w0 + rowC, w2 = w1 + rowC, w3 = w2 + rowC;
  if (first) {
    v128.store(w0, s00); v128.store(w0, s01, 16); v128.store(w1, s10); v128.store(w1, s11, 16);
    v128.store(w2, s20); v128.store(w2, s21, 16); v128.store(w3, s30); v128.store(w3, s31, 16);
  } else {
    addPair(w0, s00, s01); addPair(w1, s10, s11);
    addPair(w2, s20, s21); addPair(w3, s30, s31);
  }
}

/** Output pixels a filter-gradient block covers (whole output rows): its input rows stay in L2, and C is read back once per block. */
const FILTER_GRAD_BLOCK_PIXELS = 256;

/**
 * Convolution filter gradient as an implicit GEMM: gradWeights[K, F] = sum over pixels of
 * patch(pixel)^T gradOut[pixel, F], reading patches straight from the NHWC input. Overwrites
 * (the first block stores its tiles). 4 patch entries x 8 filters a register tile; KS*C must be
 * a multiple of 4 (a quad of entries never straddles two kernel rows) and F of 8.
 */
export function convFilterGrad(samples: i32, H: i32, W: i32, C: i32, KS: i32, S: i32, OH: i32, OW: i32, F: i32, input: usize, gradOut: usize, gradWeights: usize): void {
  const run = KS * C, K = KS * run;
  const rowStride = <usize>(W * C) << 2, stepX = <usize>(S * C) << 2, rowC = <usize>F << 2;
  const outRowStride = <usize>(S) * rowStride;
  const sampleBytes = <usize>(H * W * C) << 2;
  const blockRows = max(1, FILTER_GRAD_BLOCK_PIXELS / OW);
  let first = true;
  for (let b = 0; b < samples; b++) {
    const sample = input + <usize>b * sampleBytes;
    const grad = gradOut + <usize>(b * OH * OW) * rowC;
    for (let oy0 = 0; oy0 < OH; oy0 += blockRows) {
      const oy1 = min(OH, oy0 + blockRows);
      for (let i = 0; i < K; i += 4) {
        const ky = i / run;
        const entry = <usize>ky * rowStride + (<usize>(i - ky * run) << 2);
        const w0 = gradWeights + <usize>i * rowC;
        const ap = sample + <usize>oy0 * outRowStride + entry;
        const bp = grad + <usize>(oy0 * OW) * rowC;
        for (let j = 0; j < F; j += 8) {
          const jo = <usize>j << 2;
          filterGradTile(ap, bp + jo, w0 + jo, oy1 - oy0, OW, stepX, outRowStride, rowC, first);
        }
      }
      first = false;
    }
  }
  if (first) memory.fill(gradWeights, 0, <usize>K * rowC); // no samples: a zero gradient
}

/**
 * One 4-pixel x 8-entry tile of convInputGrad: the 8 patch entries at d0..d3 get += gradOut rows
 * g0..g3 (F floats, rowG apart) . the packed weights bp (F rows of those 8 entries, 32 bytes each).
 */
@inline function inputGradTile(g0: usize, rowG: usize, bp: usize, F: i32, d0: usize, d1: usize, d2: usize, d3: usize): void {
  const g1 = g0 + rowG, g2 = g1 + rowG, g3 = g2 + rowG;
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
  let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
  const end = <usize>F << 2;
  for (let fo: usize = 0; fo < end; fo += 4) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    const x0 = v128.load32_splat(g0 + fo), x1 = v128.load32_splat(g1 + fo);
    const x2 = v128.load32_splat(g2 + fo), x3 = v128.load32_splat(g3 + fo);
    s00 = madd(s00, x0, b0); s01 = madd(s01, x0, b1);
    s10 = madd(s10, x1, b0); s11 = madd(s11, x1, b1);
    s20 = madd(s20, x2, b0); s21 = madd(s21, x2, b1);
    s30 = madd(s30, x3, b0); s31 = madd(s31, x3, b1);
    bp += 32;
  }
  // one row after another: with stride < kernel size neighbouring patches overlap, and each add must see the last
  addPair(d0, s00, s01); addPair(d1, s10, s11);
  addPair(d2, s20, s21); addPair(d3, s30, s31);
}

/**
 * Convolution input gradient as an implicit GEMM (a transposed convolution): zeroes inputGrad
 * for the samples, then adds gradOut[pixel, 0..F) . weights[K, F]^T into the patch each pixel
 * read. No unrolled patch gradients (1.6 MB for conv2 at batch 20) and no col2im pass. 4 pixels x
 * 8 entries a tile, from `packed` (K*F floats of scratch): the weights transposed into strips of
 * 8 entries, F rows of 32 contiguous bytes each, so a tile's loads are one sequential run instead
 * of F rows K floats apart. KS*C must be a multiple of 8.
 */
export function convInputGrad(samples: i32, H: i32, W: i32, C: i32, KS: i32, S: i32, OH: i32, OW: i32, F: i32, gradOut: usize, weights: usize, packed: usize, inputGrad: usize): void {
  const run = KS * C, K = KS * run;
  const rowStride = <usize>(W * C) << 2, stepX = <usize>(S * C) << 2;
  const rowG = <usize>F << 2, runBytes = <usize>run << 2, stripBytes = <usize>F << 5;
  const pixels = OH * OW;
  const sampleBytes = <usize>(H * W * C) << 2;
  for (let e = 0; e < K; e++) {
    const dst = packed + <usize>(e >> 3) * stripBytes + (<usize>(e & 7) << 2), src = weights + <usize>e * rowG;
    for (let f = 0; f < F; f++) store<f32>(dst + (<usize>f << 5), load<f32>(src + (<usize>f << 2)));
  }
  memory.fill(inputGrad, 0, <usize>samples * sampleBytes);
  for (let b = 0; b < samples; b++) {
    const sample = inputGrad + <usize>b * sampleBytes;
    const grad = gradOut + <usize>(b * pixels) * rowG;
    let i = 0;
    for (; i + 4 <= pixels; i += 4) {
      const d0 = patchOrigin(sample, i, OW, rowStride, stepX, S), d1 = patchOrigin(sample, i + 1, OW, rowStride, stepX, S);
      const d2 = patchOrigin(sample, i + 2, OW, rowStride, stepX, S), d3 = patchOrigin(sample, i + 3, OW, rowStride, stepX, S);
      const g0 = grad + <usize>i * rowG;
      let strip = packed, ro: usize = 0;
      for (let ky = 0; ky < KS; ky++) {
        for (let q: usize = 0; q < runBytes; q += 32) {
          inputGradTile(g0, rowG, strip, F, d0 + ro + q, d1 + ro + q, d2 + ro + q, d3 + ro + q);
          strip += stripBytes;
        }
        ro += rowStride;
      }
    }
    for (; i < pixels; i++) {
      const d0 = patchOrigin(sample, i, OW, rowStride, stepX, S);
      const g0 = grad + <usize>i * rowG;
      let w = weights;
      for (let ky = 0; ky < KS; ky++) {
        const d = d0 + <usize>ky * rowStride;
        for (let q = 0; q < run; q++) {
          const o = <usize>q << 2;
          store<f32>(d + o, load<f32>(d + o) + dot(F, g0, w));
          w += rowG;
        }
      }
    }
  }
}

/** Sum of squares of n floats, accumulated in four f32 lanes per block of 1024, summed in f64. */
export function sumSquares(n: i32, x: usize): f64 {
  let total: f64 = 0;
  let i = 0;
  while (i + 4 <= n) {
    let s = f32x4.splat(0);
    const end = min(n, i + 1024) & ~3;
    for (; i < end; i += 4) {
      const v = v128.load(x + (<usize>i << 2));
      s = f32x4.add(s, f32x4.mul(v, v));
    }
    total += <f64>hsum(s);
  }
  for (; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    total += v * v;
  }
  return total;
}
