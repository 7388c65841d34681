// Gray area resize of a palette-indexed frame (src/wrappers/grayAreaWasm.ts drives it): the
// exact integer recipe of src/wrappers/grayArea.ts, on a frame of palette indices. Pointers are
// byte addresses in the imported memory, laid out by the caller; nothing is allocated.
//
// Taps are contiguous: output o reads inputs first[o] + k, k < width, with weight[o * width + k]
// (zero for padding, which may read one row or column past the last: the caller pads those).
// The caller guarantees inWidth and size are multiples of 4.

/**
 * Resizes the inHeight x inWidth indices at `frame` into `size` x `size` gray bytes at `out`.
 * `lumaFrame` keeps each input row's luma between calls: a row equal to the same row of
 * `previous` (the last frame, 0 for none) keeps it, a row equal to the row above copies it;
 * only the others look their pixels up in `luma` (per palette index). The vertical taps then
 * run four input columns at a time, the horizontal ones four output rows at a time (on
 * `columns`, the column sums transposed). Pixels whose exact sum lies within `band` of a
 * rounding boundary are listed at `boundary` (their index in `out`) for the caller's float
 * recipe; returns how many.
 */
export function resizeIndexed(inHeight: i32, inWidth: i32, size: i32, frame: usize, previous: usize, luma: usize,
  xFirst: usize, xWeight: usize, xWidth: i32, yFirst: usize, yWeight: usize, yWidth: i32,
  lumaFrame: usize, columns: usize, out: usize, offset: i32, denominator: i32, band: i32, boundary: usize): i32 {
  const lumaRowBytes = <usize>inWidth << 2;
  for (let y = 0; y < inHeight; y++) {
    const line = frame + <usize>(y * inWidth);
    const lumaRow = lumaFrame + <usize>y * lumaRowBytes;
    if (previous !== 0 && sameBytes(line, previous + <usize>(y * inWidth), inWidth)) continue;
    if (y > 0 && sameBytes(line, line - <usize>inWidth, inWidth)) {
      memory.copy(lumaRow, lumaRow - lumaRowBytes, lumaRowBytes);
      continue;
    }
    for (let x = 0; x < inWidth; x++) store<i32>(lumaRow + (<usize>x << 2), load<i32>(luma + (<usize>load<u8>(line + x) << 2)));
  }
  const inverse = f64x2.splat(1 / <f64>denominator);
  const den = i32x4.splat(denominator), low = i32x4.splat(band), high = i32x4.splat(denominator - band);
  let count = 0;
  for (let oy = 0; oy < size; oy += 4) {
    // Column sums of output rows oy..oy+3, four input columns at a time, stored as 4x4 transposes:
    // `columns` + 16 x holds input column x's sums for the four rows, one per lane.
    const top0 = lumaFrame + <usize>load<i32>(yFirst + (<usize>oy << 2)) * lumaRowBytes;
    const top1 = lumaFrame + <usize>load<i32>(yFirst + (<usize>(oy + 1) << 2)) * lumaRowBytes;
    const top2 = lumaFrame + <usize>load<i32>(yFirst + (<usize>(oy + 2) << 2)) * lumaRowBytes;
    const top3 = lumaFrame + <usize>load<i32>(yFirst + (<usize>(oy + 3) << 2)) * lumaRowBytes;
    const w0 = yWeight + (<usize>(oy * yWidth) << 2), w1 = w0 + (<usize>yWidth << 2), w2 = w1 + (<usize>yWidth << 2), w3 = w2 + (<usize>yWidth << 2);
    for (let x = 0; x < inWidth; x += 4) {
      const at = <usize>x << 2;
      let v0 = i32x4.splat(0), v1 = i32x4.splat(0), v2 = i32x4.splat(0), v3 = i32x4.splat(0);
      for (let k = 0; k < yWidth; k++) {
        const row = <usize>k * lumaRowBytes + at, kk = <usize>k << 2;
        v0 = i32x4.add(v0, i32x4.mul(i32x4.splat(load<i32>(w0 + kk)), v128.load(top0 + row)));
        v1 = i32x4.add(v1, i32x4.mul(i32x4.splat(load<i32>(w1 + kk)), v128.load(top1 + row)));
        v2 = i32x4.add(v2, i32x4.mul(i32x4.splat(load<i32>(w2 + kk)), v128.load(top2 + row)));
        v3 = i32x4.add(v3, i32x4.mul(i32x4.splat(load<i32>(w3 + kk)), v128.load(top3 + row)));
      }
      const a = i32x4.shuffle(v0, v1, 0, 4, 1, 5), b = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
      const c = i32x4.shuffle(v2, v3, 0, 4, 1, 5), d = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
      const to = columns + (<usize>x << 4);
      v128.store(to, i64x2.shuffle(a, c, 0, 2));
      v128.store(to + 16, i64x2.shuffle(a, c, 1, 3));
      v128.store(to + 32, i64x2.shuffle(b, d, 0, 2));
      v128.store(to + 48, i64x2.shuffle(b, d, 1, 3));
    }
    // Row sums of those column sums, one output column (four rows) at a time, and the exact truncation.
    for (let ox = 0; ox < size; ox++) {
      const from = columns + (<usize>load<i32>(xFirst + (<usize>ox << 2)) << 4);
      const w = xWeight + (<usize>(ox * xWidth) << 2);
      let n = i32x4.splat(offset);
      for (let k = 0; k < xWidth; k++) n = i32x4.add(n, i32x4.mul(i32x4.splat(load<i32>(w + (<usize>k << 2))), v128.load(from + (<usize>k << 4))));
      // q = floor(n / denominator) in float64 (exact enough: an off-by-one lands in the band below).
      const lo = i32x4.trunc_sat_f64x2_s_zero(f64x2.mul(f64x2.convert_low_i32x4_s(n), inverse));
      const hi = i32x4.trunc_sat_f64x2_s_zero(f64x2.mul(f64x2.convert_low_i32x4_s(i64x2.shuffle(n, n, 1, 0)), inverse));
      const q = i64x2.shuffle(lo, hi, 0, 2);
      const residue = i32x4.sub(n, i32x4.mul(q, den));
      const nearLanes = i32x4.bitmask(v128.or(i32x4.lt_s(residue, low), i32x4.gt_s(residue, high)));
      if (nearLanes !== 0) {
        for (let lane = 0; lane < 4; lane++) {
          if ((nearLanes >> lane) & 1) store<i32>(boundary + (<usize>(count++) << 2), (oy + lane) * size + ox);
        }
      }
      const bytes = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_u(q, q), q); // q <= 255
      const to = out + <usize>(oy * size + ox);
      v128.store8_lane(to, bytes, 0);
      v128.store8_lane(to + <usize>size, bytes, 1);
      v128.store8_lane(to + <usize>(2 * size), bytes, 2);
      v128.store8_lane(to + <usize>(3 * size), bytes, 3);
    }
  }
  return count;
}

/** Whether the n bytes at a and b are equal, 16 at a time. */
@inline function sameBytes(a: usize, b: usize, n: i32): bool {
  let i = 0;
  for (; i + 16 <= n; i += 16) if (v128.any_true(v128.xor(v128.load(a + i), v128.load(b + i)))) return false;
  for (; i < n; i++) if (load<u8>(a + i) !== load<u8>(b + i)) return false;
  return true;
}
