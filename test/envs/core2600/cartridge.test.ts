import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Rng } from '../../../src/util/rng.js';
import { Cartridge, type Scheme } from '../../../src/envs/atari/cores/ours/cartridge.js';

/*
 * Our cartridges against 6502.ts's, scheme by scheme, on random images: random reads of the
 * cartridge window, accesses of the hot spots and writes to the RAM write ports must give the
 * same bytes. (Reads of RAM write ports are left out: the two return different garbage.)
 * FE and 3F, which watch the whole bus, are checked by hand below.
 */

const require = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-explicit-any */
const reference = (name: string) => require(`6502.ts/lib/machine/stella/cartridge/Cartridge${name}.js`).default as new (rom: Uint8Array) => any;

/** Offsets ($000-$FFF) of RAM write ports per scheme (reads there are skipped). */
function writePort(scheme: Scheme, offset: number, superchip: boolean): boolean {
  if (scheme === 'FA') return offset < 0x100;
  if (scheme === 'E7') return offset < 0x400 || (offset >= 0x800 && offset < 0x900);
  return superchip && offset < 0x80;
}

function randomRom(size: number, rng: Rng): Uint8Array {
  const rom = new Uint8Array(size);
  for (let i = 0; i < size; i++) rom[i] = rng.int(0, 255);
  return rom;
}

for (const [scheme, name, size] of [['F8', 'F8', 8192], ['F6', 'F6', 16384], ['F4', 'F4', 32768], ['E0', 'E0', 8192], ['FA', 'FA', 12288], ['E7', 'E7', 16384]] as [Scheme, string, number][]) {
  test(`${scheme}: 50,000 random accesses read the same bytes as 6502.ts${['F8', 'F6', 'F4'].includes(scheme) ? ' (with the Superchip switched on half way)' : ''}`, () => {
    const rng = new Rng(size + scheme.charCodeAt(0));
    const rom = randomRom(size, rng);
    const theirs = new (reference(name))(rom);
    let dataBus = 0;
    theirs.setBus?.({ getLastDataBusValue: () => dataBus, event: { read: { addHandler() {} }, write: { addHandler() {} } } });
    const ours = new Cartridge(rom, scheme);
    let superchip = false;
    let hotspots = 0;
    for (let i = 0; i < 50_000; i++) {
      const what = rng.next();
      const hot = scheme === 'E0' ? 0xfe0 + rng.int(0, 23) : scheme === 'E7' ? 0xfe0 + rng.int(0, 11) : scheme === 'FA' ? 0xff8 + rng.int(0, 2) : 0xff4 + rng.int(0, 7);
      if (what < 0.05) {
        hotspots++;
        theirs.read(0x1000 | hot);
        ours.read(0x1000 | hot, dataBus);
      } else if (what < 0.25 && (scheme !== 'F8' && scheme !== 'F6' && scheme !== 'F4' || i > 25_000)) {
        // RAM write ports (for the F-schemes this switches the Superchip on).
        const offset = scheme === 'FA' ? rng.int(0, 0xff) : scheme === 'E7' ? (rng.next() < 0.5 ? rng.int(0, 0x3ff) : 0x800 + rng.int(0, 0xff)) : rng.int(0, 0x7f);
        // 6502.ts's E7 drops writes to $18FF (it tests < $08FF); the chip takes them.
        if (scheme === 'E7' && offset === 0x8ff) continue;
        const value = rng.int(0, 255);
        dataBus = value;
        theirs.write(0x1000 | offset, value);
        ours.write(0x1000 | offset, value);
        superchip = true;
      } else {
        const offset = rng.int(0, 0xfff);
        if (writePort(scheme, offset, superchip) || (offset >= 0xfe0 && offset <= 0xffb)) continue;
        assert.equal(ours.read(0x1000 | offset, dataBus), theirs.read(0x1000 | offset), `access ${i}: read $${(0x1000 | offset).toString(16)}`);
      }
    }
    assert.ok(hotspots > 1000);
  });
}

test('3F: a write to $3F (or $00-$3E) selects the 2K bank at $1000; $1800-$1FFF is the last 2K', () => {
  const rom = new Uint8Array(8192);
  for (let bank = 0; bank < 4; bank++) rom.fill(0x10 + bank, bank * 2048, bank * 2048 + 2048);
  const cart = new Cartridge(rom, '3F');
  assert.equal(cart.read(0x1000, 0), 0x10);
  assert.equal(cart.read(0x1800, 0), 0x13);
  cart.snoop(0x3f, 2, true);
  assert.equal(cart.read(0x17ff, 0), 0x12);
  cart.snoop(0x3f, 1, false); // reads do not switch
  assert.equal(cart.read(0x1000, 0), 0x12);
  assert.equal(Cartridge.detect(Uint8Array.from([...new Uint8Array(8188), 0x85, 0x3f, 0x85, 0x3f])), '3F');
});

test('FE: after an access of $01FE, bit 5 of the next byte on the bus picks the bank (set: bank 0, clear: bank 1)', () => {
  const rom = new Uint8Array(8192);
  rom.fill(0xa0, 0, 4096);
  rom.fill(0xb1, 4096);
  const cart = new Cartridge(rom, 'FE');
  assert.equal(cart.read(0x1000, 0), 0xa0);
  cart.snoop(0x1fe, 0x34, true); // JSR pushes the return address low byte at $01FE...
  cart.snoop(0x1ff3, 0xd0, false); // ...then reads the target's high byte $D0: bit 5 clear
  assert.equal(cart.read(0x1000, 0), 0xb1);
  cart.snoop(0x1fe, 0x12, false); // RTS pulls the low byte from $01FE...
  cart.snoop(0x1ff, 0xf0, false); // ...and the high byte $F0 from $01FF: bit 5 set
  assert.equal(cart.read(0x1000, 0), 0xa0);
});

test('detection by size and code: 2K, 4K, F8, FA, F6, F4; sizes no scheme has are refused in one line', () => {
  assert.equal(Cartridge.detect(new Uint8Array(2048)), '2K');
  assert.equal(Cartridge.detect(new Uint8Array(4096)), '4K');
  assert.equal(Cartridge.detect(new Uint8Array(8192)), 'F8');
  assert.equal(Cartridge.detect(new Uint8Array(12288)), 'FA');
  assert.equal(Cartridge.detect(new Uint8Array(16384)), 'F6');
  assert.equal(Cartridge.detect(new Uint8Array(32768)), 'F4');
  assert.throws(() => Cartridge.detect(new Uint8Array(5000)), /5000 bytes: no supported bank-switching scheme/);
  const twoK = new Uint8Array(2048).map((_, i) => i & 0xff);
  const cart = new Cartridge(twoK, '2K');
  assert.equal(cart.read(0x1805, 0), 5, '2K is mirrored in the upper half');
});
