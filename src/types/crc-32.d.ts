// crc-32 ships types for its main module only; its CRC-32C module has the same shape.
declare module 'crc-32/crc32c.js' {
  /** CRC-32C (Castagnoli) of `data`, continuing from `seed`; a signed 32-bit integer. */
  function buf(data: Uint8Array, seed?: number): number;
  const crc32c: { buf: typeof buf };
  export default crc32c;
}
