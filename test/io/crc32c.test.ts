import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c } from '../../src/io/crc32c.js';

const bytes = (s: string) => Buffer.from(s, 'ascii');

test('crc32c gives the standard check value and continues a checksum from its seed', () => {
  // CRC-32C (Castagnoli) of "123456789" is 0xE3069283 (RFC 3720, B.4; every CRC catalogue).
  assert.equal(crc32c(bytes('123456789')), 0xe3069283);
  assert.equal(crc32c(bytes('56789'), crc32c(bytes('1234'))), 0xe3069283, 'seeded with the first part, the second part completes the checksum');
  assert.equal(crc32c(new Uint8Array(0)), 0);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa, '32 zero bytes (RFC 3720, B.4)');
});
