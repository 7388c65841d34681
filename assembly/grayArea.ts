// Gray area resize of a palette-indexed frame (src/wrappers/grayAreaWasm.ts drives it): the
// exact integer recipe of src/wrappers/grayArea.ts, on a frame of palette indices. Pointers are
// byte addresses in the imported memory, laid out by the caller; nothing is allocated.
//
// Taps are contiguous: output o reads inputs first[o] + k, k < width, with weight[o * width + k]
// (zero for padding, which may read one past the last input: the caller pads those buffers).

/**
 * Resizes the inHeight x inWidth indices at `frame` into `size` x `size` gray bytes at `out`.
 * `rows` keeps each input row's horizontal sums between calls: a row equal to the same row of
 * `previous` (the last frame, 0 for none) keeps them, a row equal to the row above copies
 * them. Pixels whose exact sum lies within `band` of a rounding boundary are listed at
 * `boundary` (their index in `out`) for the caller's float recipe; returns how many.
 */
export function resizeIndexed(inHeight: i32, inWidth: i32, size: i32, frame: usize, previous: usize, luma: usize,
  xFirst: usize, xWeight: usize, xWidth: i32, yFirst: usize, yWeight: usize, yWidth: i32,
  lumaRow: usize, rows: usize, out: usize, offset: i32, denominator: i32, band: i32, boundary: usize): i32 {
  const rowBytes = <usize>size << 2;
  for (let y = 0; y < inHeight; y++) {
    const line = frame + <usize>(y * inWidth);
    const sums = rows + <usize>y * rowBytes;
    if (previous !== 0 && sameBytes(line, previous + <usize>(y * inWidth), inWidth)) continue;
    if (y > 0 && sameBytes(line, line - <usize>inWidth, inWidth)) {
      memory.copy(sums, sums - rowBytes, rowBytes);
      continue;
    }
    for (let x = 0; x < inWidth; x++) store<i32>(lumaRow + (<usize>x << 2), load<i32>(luma + (<usize>load<u8>(line + x) << 2)));
    for (let o = 0; o < size; o++) {
      const from = lumaRow + (<usize>load<i32>(xFirst + (<usize>o << 2)) << 2);
      const w = xWeight + (<usize>(o * xWidth) << 2);
      let sum = 0;
      for (let k = 0; k < xWidth; k++) sum += load<i32>(w + (<usize>k << 2)) * load<i32>(from + (<usize>k << 2));
      store<i32>(sums + (<usize>o << 2), sum);
    }
  }
  return columns(size, yFirst, yWeight, yWidth, rows, out, offset, denominator, band, boundary);
}

/** The vertical pass over the row sums, four output pixels at a time, and the exact truncation. */
function columns(size: i32, yFirst: usize, yWeight: usize, yWidth: i32, rows: usize, out: usize,
  offset: i32, denominator: i32, band: i32, boundary: usize): i32 {
  const rowBytes = <usize>size << 2;
  const inverse = f64x2.splat(1 / <f64>denominator);
  const den = i32x4.splat(denominator), low = i32x4.splat(band), high = i32x4.splat(denominator - band);
  let count = 0;
  for (let oy = 0; oy < size; oy++) {
    const top = rows + <usize>load<i32>(yFirst + (<usize>oy << 2)) * rowBytes;
    const w = yWeight + (<usize>(oy * yWidth) << 2);
    const pixel = oy * size;
    let ox = 0;
    for (; ox + 4 <= size; ox += 4) {
      let n = i32x4.splat(offset);
      for (let k = 0; k < yWidth; k++) n = i32x4.add(n, i32x4.mul(i32x4.splat(load<i32>(w + (<usize>k << 2))), v128.load(top + <usize>k * rowBytes + (<usize>ox << 2))));
      // q = floor(n / denominator) in float64 (exact enough: an off-by-one lands in the band below).
      const lo = i32x4.trunc_sat_f64x2_s_zero(f64x2.mul(f64x2.convert_low_i32x4_s(n), inverse));
      const hi = i32x4.trunc_sat_f64x2_s_zero(f64x2.mul(f64x2.convert_low_i32x4_s(i8x16.shuffle(n, n, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)), inverse));
      const q = i8x16.shuffle(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
      const residue = i32x4.sub(n, i32x4.mul(q, den));
      const near = v128.or(i32x4.lt_s(residue, low), i32x4.gt_s(residue, high));
      const nearLanes = i32x4.bitmask(near);
      if (nearLanes !== 0) {
        for (let lane = 0; lane < 4; lane++) {
          if ((nearLanes >> lane) & 1) store<i32>(boundary + (<usize>(count++) << 2), pixel + ox + lane);
        }
      }
      const bytes = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_u(q, q), q);
      v128.store32_lane(out + <usize>(pixel + ox), bytes, 0);
    }
    for (; ox < size; ox++) {
      let n = offset;
      for (let k = 0; k < yWidth; k++) n += load<i32>(w + (<usize>k << 2)) * load<i32>(top + <usize>k * rowBytes + (<usize>ox << 2));
      const q = n / denominator, residue = n - q * denominator;
      if (residue < band || residue > denominator - band) store<i32>(boundary + (<usize>(count++) << 2), pixel + ox);
      store<u8>(out + <usize>(pixel + ox), <u8>q);
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
