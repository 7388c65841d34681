import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import CRC32 from 'crc-32';
import { parseActions } from '../../../src/cli/emuCommand.js';
import { OurAtari2600 } from '../../../src/envs/atari/cores/ours/core.js';
import { actionInputs } from '../../../src/envs/atari/atariEnv.js';
import { saxRom } from './fixtures/saxRom.js';
import { kernelRom } from './fixtures/kernelRom.js';

/*
 * `a3c emu trace` and `a3c emu diff` as a user runs them, on dasm-assembled programs: the
 * game-like kernel (the cores agree) and a program that the cores run differently on purpose
 * (6502.ts sets Z after SAX, the chip does not), so diff must find that RAM byte.
 */

const cli = fileURLToPath(new URL('../../../../bin/a3c.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
const dir = mkdtempSync(join(tmpdir(), 'a3c-emu-'));
const kernelPath = join(dir, 'kernel.bin');
writeFileSync(kernelPath, kernelRom(1));

const saxPath = join(dir, 'sax.bin');
writeFileSync(saxPath, saxRom());

test('--actions: names and numbers with *count, cycled; random:SEED reproducible; a bad item refused by name', () => {
  const at = parseActions('noop*2,FIRE,3');
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map(at), [0, 0, 1, 3, 0, 0, 1]);
  const a = parseActions('random:7'), b = parseActions('random:7');
  const drawn = Array.from({ length: 50 }, (_, f) => a(f));
  assert.deepEqual(Array.from({ length: 50 }, (_, f) => b(f)), drawn);
  assert.ok(drawn.every((x) => x >= 0 && x < 18) && new Set(drawn).size > 5);
  assert.throws(() => parseActions('NOOP,JUMP*3'), /--actions: cannot read "JUMP\*3"/);
  assert.throws(() => parseActions('18'), /--actions: cannot read "18"/);
});

test('emu trace --json: one line per frame; both cores give the same CRCs on the kernel ROM, ours as computed here', () => {
  // Space Invaders' settings: the joystick (Breakout's would plug in paddles).
  const args = ['emu', 'trace', kernelPath, '--frames', '30', '--game', 'space_invaders', '--actions', 'NOOP*5,RIGHT*5,FIRE', '--json'];
  const ours = run(...args, '--emulator', 'ours'), theirs = run(...args, '--emulator', '6502ts');
  assert.equal(ours.status, 0, ours.stderr);
  assert.equal(theirs.status, 0, theirs.stderr);
  const lines = ours.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 30);
  assert.deepEqual(Object.keys(lines[0]), ['frame', 'screen_crc32', 'ram_crc32']);
  assert.equal(ours.stdout, theirs.stdout);
  // The same frames run here through the library: frame 29's CRCs.
  const core = new OurAtari2600(kernelRom(1), false);
  const at = parseActions('NOOP*5,RIGHT*5,FIRE');
  for (let f = 0; f < 30; f++) core.frame(actionInputs(at(f)));
  const screen = new Uint8Array(210 * 160 * 3);
  core.screen(screen);
  const ram = Uint8Array.from({ length: 128 }, (_, i) => core.ram(i));
  const hex = (crc: number) => (crc >>> 0).toString(16).padStart(8, '0');
  assert.deepEqual(lines[29], { frame: 29, screen_crc32: hex(CRC32.buf(screen)), ram_crc32: hex(CRC32.buf(ram)) });
  assert.equal(new Set(lines.map((l) => l.ram_crc32)).size > 20, true, 'the RAM changes from frame to frame');
});

test('emu diff: the kernel ROM agrees for 200 frames of random input; the SAX program differs at RAM $81 and pixel (0, 0) in frame 0', () => {
  const same = run('emu', 'diff', kernelPath, '--frames', '200', '--game', 'breakout', '--actions', 'random:1', '--json');
  assert.equal(same.status, 0, same.stderr);
  assert.deepEqual(JSON.parse(same.stdout), { frames: 200, identical: true, first_difference: null });
  const different = run('emu', 'diff', saxPath, '--frames', '10', '--game', 'breakout', '--json');
  assert.equal(different.status, 1, 'exit 1 when the cores differ');
  assert.deepEqual(JSON.parse(different.stdout), {
    frames: 10, identical: false,
    first_difference: { frame: 0, ram: { address: '$81', ours: 0x0e, theirs: 0 }, pixel: { scanline: 0, x: 0, ours: '#ececec', theirs: '#000000' } },
  });
  const text = run('emu', 'diff', saxPath, '--frames', '10', '--game', 'breakout');
  assert.equal(text.stdout, 'first difference at frame 0 of 10: RAM $81: ours $0e, 6502.ts $00; scanline 0, pixel 0: ours #ececec, 6502.ts #000000\n');
});

test('emu: bad ROMs and flags get one line and exit 2', () => {
  const short = join(dir, 'short.bin');
  writeFileSync(short, new Uint8Array(1000));
  const cases: [string[], RegExp][] = [
    [['emu', 'trace', short, '--frames', '5', '--game', 'breakout'], /^a3c: --rom .*short\.bin: 1000 bytes is not an Atari 2600 ROM size/],
    [['emu', 'diff', kernelPath, '--frames', '5'], /^a3c: --rom .*kernel\.bin: unknown ROM \(MD5 [0-9a-f]{32}\).*pass --game <id>/],
    [['emu', 'trace', kernelPath, '--frames', '0', '--game', 'breakout'], /^a3c: --frames: /],
  ];
  for (const [args, pattern] of cases) {
    const r = run(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, pattern);
    assert.equal(r.stdout, '');
  }
});
