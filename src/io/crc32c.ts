import crc32cModule from 'crc-32/crc32c.js';

/** CRC-32C (Castagnoli) as an unsigned 32-bit integer; `seed` continues an earlier checksum. */
export function crc32c(data: Uint8Array, seed = 0): number {
  return crc32cModule.buf(data, seed) >>> 0;
}
