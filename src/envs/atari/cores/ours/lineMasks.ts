/**
 * A line's objects as 160-bit masks (five 32-bit words, pixel x in word x >> 5, bit x & 31): two
 * objects meet in a span when their masks and the span's share a bit, a few word ANDs instead of
 * a loop over the span's pixels, and a span's object pixels are the set bits. Each mask has a
 * sixth word that catches a copy running past pixel 159; `foldWrap` moves it to the line's start.
 */

/** Words per mask (five for the line, one for the wrapped tail). */
export const MASK_WORDS = 6;

/** Each byte's bits in reverse order (bit 7 leftmost becomes bit 0 leftmost). */
export const REVERSED = new Uint8Array(256);
for (let g = 0; g < 256; g++) for (let b = 0; b < 8; b++) if ((g >> b) & 1) REVERSED[g] |= 0x80 >> b;

/** Each bit of a byte repeated 2 and 4 times (stretched players; bit 0 stays leftmost). */
const SPREAD2 = new Uint32Array(256), SPREAD4 = new Uint32Array(256);
/** Each bit of a byte repeated 4 times: a playfield cell is 4 pixels. */
const CELLS = SPREAD4;
for (let g = 0; g < 256; g++) {
  for (let b = 0; b < 8; b++) {
    if (!((g >> b) & 1)) continue;
    SPREAD2[g] |= 3 << (2 * b);
    SPREAD4[g] = (SPREAD4[g] | (15 << (4 * b))) >>> 0;
  }
}

/** ORs the low `width` (<= 32) bits of `bits` into `masks` at pixel `start` (0-159) of the mask at `base`. */
export function orRun(masks: Int32Array, base: number, start: number, bits: number, width: number): void {
  const word = base + (start >> 5), shift = start & 31;
  masks[word] |= bits << shift;
  if (shift !== 0 && shift + width > 32) masks[word + 1] |= bits >>> (32 - shift);
}

/** Moves the pixels past 159 (the sixth word) to the start of the line. */
export function foldWrap(masks: Int32Array, base: number): void {
  masks[base] |= masks[base + 5];
  masks[base + 5] = 0;
}

export function clearMask(masks: Int32Array, base: number): void {
  for (let w = 0; w < MASK_WORDS; w++) masks[base + w] = 0;
}

/**
 * A player's pixels: `leftFirst` is its 8-pixel pattern with the leftmost pixel in bit 0, drawn
 * at the copies' starts (already offset, 0-159) `scale` pixels a bit.
 */
export function playerRun(leftFirst: number, scale: number): number {
  return scale === 1 ? leftFirst : scale === 2 ? SPREAD2[leftFirst] : SPREAD4[leftFirst] | 0;
}

/**
 * The playfield's 40 cells as pixels: `playfield` holds the 20 bits in screen order (bit 19
 * leftmost); the right half repeats the left, or mirrors it when `reflected`.
 */
export function playfieldMask(masks: Int32Array, base: number, playfield: number, reflected: boolean): void {
  const cells = reverse20(playfield); // bit 0 = leftmost cell
  const right = reflected ? playfield : cells; // the right half's cells, bit 0 = its leftmost
  masks[base] = CELLS[cells & 0xff];
  masks[base + 1] = CELLS[(cells >> 8) & 0xff];
  masks[base + 2] = CELLS[(cells >> 16) & 0x0f] | (CELLS[right & 0x0f] << 16);
  masks[base + 3] = CELLS[(right >> 4) & 0xff];
  masks[base + 4] = CELLS[(right >> 12) & 0xff];
  masks[base + 5] = 0;
}

function reverse20(bits: number): number {
  return (REVERSED[bits & 0xff] << 12) | (REVERSED[(bits >> 8) & 0xff] << 4) | (REVERSED[(bits >> 16) & 0x0f] >> 4);
}

/** The bits of word `w` (pixels 32w..32w+31) inside the span [xFrom, xTo). */
export function spanWord(w: number, xFrom: number, xTo: number): number {
  const lo = Math.max(xFrom - 32 * w, 0), hi = Math.min(xTo - 32 * w, 32);
  if (hi <= lo) return 0;
  return (hi - lo === 32 ? -1 : (1 << (hi - lo)) - 1) << lo;
}
