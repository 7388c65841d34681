import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtariEnv } from '../../src/envs/atari/atariEnv.js';
import { NTSC_RGB } from '../../src/envs/atari/cores/ours/machine.js';
import { gameById } from '../../src/envs/atari/games.js';
import type { Env } from '../../src/envs/env.js';
import { makeEnv } from '../../src/index.js';
import { Rng } from '../../src/util/rng.js';
import { EpisodicLife, RandomStartSteps } from '../../src/wrappers/atari.js';
import { GrayAreaResizer } from '../../src/wrappers/grayArea.js';
import { GrayResize } from '../../src/wrappers/grayResize.js';
import { Wrapper } from '../../src/wrappers/wrapper.js';
import { kernelRom } from '../envs/core2600/fixtures/kernelRom.js';
import { motionRom } from '../envs/core2600/fixtures/motionRom.js';
import { ReferenceGrayResize } from './grayResizeReference.js';

// Gray frames made from the 2600 core's palette indices (luma per colour, in WebAssembly or
// through RGB where that is not built) must equal, byte for byte, the RGB path's and the float
// recipe's on every step of real frames.

function assertSame(actual: Uint8Array, expected: Uint8Array, what: string): void {
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) assert.fail(`${what}: pixel ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

// Run with Breakout's settings: its FIRE is joystick 0's right on SWCHA, which moves the programs' player 0.
const roms = [['kernelRom(1)', kernelRom(1)], ['kernelRom(2)', kernelRom(2)], ['motionRom(1)', motionRom(1)]] as const;

test('gray from palette indices equals the RGB path and the float recipe on real frames of the 2600 test programs', () => {
  let boundaryPixels = 0;
  for (const [name, rom] of roms) {
    const game = new AtariEnv(gameById('breakout')!, rom, 3);
    const gray = new GrayResize(new RandomStartSteps(new EpisodicLife(game), 0, 30, 3));
    assert.ok(gray.indexed !== null, `${name}: the indexed path was found through the wrappers`);
    const rgbPath = new GrayAreaResizer(210, 160, 84), withoutWasm = new GrayAreaResizer(210, 160, 84, { wasm: false });
    const reference = new ReferenceGrayResize(210, 160, 84);
    const expected = new Uint8Array(84 * 84), fallback = new Uint8Array(84 * 84);
    const check = (observation: Uint8Array, what: string) => {
      const rgb = game.render().rgb;
      rgbPath.resize(rgb, expected);
      assertSame(observation, expected, `${name} ${what} (RGB path)`);
      assertSame(observation, reference.transform(rgb), `${name} ${what} (float recipe)`);
      withoutWasm.resizeIndexed(game.indexedFrame()!.indices, NTSC_RGB, fallback);
      assertSame(fallback, expected, `${name} ${what} (indexed, no WebAssembly)`);
    };
    check(gray.reset({ seed: 3 }).observation, 'reset');
    const rng = new Rng(3);
    for (let step = 0; step < 300; step++) {
      const r = gray.step(rng.int(0, game.actionSpace.n - 1));
      check(r.observation, `step ${step}`);
      if (r.terminated || r.truncated) check(gray.reset().observation, `reset after ${step}`);
    }
    assert.equal(gray.resizer.boundaryPixels, rgbPath.boundaryPixels, `${name}: the same pixels took the float recipe`);
    boundaryPixels += gray.resizer.boundaryPixels;
  }
  assert.ok(boundaryPixels > 0, 'some pixels fell near a rounding boundary and took the float recipe');
});

test('resizeIndexed equals resize of the RGB frame on random frames: repeated rows, rows kept from the last frame, boundary pixels', () => {
  // 84: the WebAssembly kernel; 42 (not a multiple of 4 rows) and 100 x 90 take the RGB fallback.
  for (const [height, width, size] of [[210, 160, 84], [210, 160, 42], [100, 90, 36]]) {
    const rng = new Rng(11);
    const indexed = new GrayAreaResizer(height, width, size), withoutWasm = new GrayAreaResizer(height, width, size, { wasm: false }), rgbPath = new GrayAreaResizer(height, width, size);
    const a = new Uint8Array(size * size), b = new Uint8Array(size * size), expected = new Uint8Array(size * size);
    const frame = new Uint8Array(height * width), rgb = new Uint8Array(height * width * 3);
    for (let n = 0; n < 40; n++) {
      for (let y = 0; y < height; y++) {
        const row = frame.subarray(y * width, (y + 1) * width);
        const r = rng.next();
        if (n > 0 && r < 0.3) continue; // as in the last frame
        if (y > 0 && r < 0.5) row.set(frame.subarray((y - 1) * width, y * width)); // as the row above
        else for (let x = 0; x < width; x++) row[x] = rng.int(0, 127);
      }
      for (let p = 0; p < frame.length; p++) {
        const c = NTSC_RGB[frame[p]];
        rgb[3 * p] = c & 0xff; rgb[3 * p + 1] = (c >> 8) & 0xff; rgb[3 * p + 2] = (c >> 16) & 0xff;
      }
      rgbPath.resize(rgb, expected);
      indexed.resizeIndexed(frame, NTSC_RGB, a);
      withoutWasm.resizeIndexed(frame, NTSC_RGB, b);
      assertSame(a, expected, `${height}x${width} -> ${size}, frame ${n}`);
      assertSame(b, expected, `${height}x${width} -> ${size}, frame ${n} without WebAssembly`);
    }
    if (size === 84) assert.ok(rgbPath.boundaryPixels > 0, 'random frames reach rounding boundaries');
    assert.equal(indexed.boundaryPixels, rgbPath.boundaryPixels);
  }
});

test('a new palette is taken up at once (luma per colour is recomputed, no stale row sums)', () => {
  const resizer = new GrayAreaResizer(210, 160, 84), rgbPath = new GrayAreaResizer(210, 160, 84);
  const frame = new Uint8Array(210 * 160).map((_, p) => (p >> 5) & 127);
  const out = new Uint8Array(84 * 84), expected = new Uint8Array(84 * 84), rgb = new Uint8Array(210 * 160 * 3);
  for (const palette of [NTSC_RGB, NTSC_RGB.map((c) => c ^ 0x3f1f7f)]) {
    resizer.resizeIndexed(frame, palette, out); // the same frame twice: every row kept from the last call
    for (let p = 0; p < frame.length; p++) rgb.set([palette[frame[p]] & 0xff, (palette[frame[p]] >> 8) & 0xff, (palette[frame[p]] >> 16) & 0xff], 3 * p);
    rgbPath.resize(rgb, expected);
    assertSame(out, expected, 'after the palette changed');
  }
});

test('max-pooled frames and the 6502.ts core give no indices: GrayResize keeps the RGB path', () => {
  const rom = kernelRom(1), game = gameById('space_invaders')!;
  assert.equal(new AtariEnv(game, rom, 0, { maxPoolLastTwoFrames: true }).indexedFrame(), null);
  assert.equal(new AtariEnv(game, rom, 0, { emulator: '6502ts' }).indexedFrame(), null);
  assert.equal(new GrayResize(new AtariEnv(game, rom, 0, { maxPoolLastTwoFrames: true })).indexed, null);
});

/** The GrayResize inside a preset's wrapper chain. */
function grayOf(env: Env): GrayResize {
  for (let e: unknown = env; e instanceof Wrapper; e = e.env) if (e instanceof GrayResize) return e;
  throw new Error('no GrayResize in the chain');
}

test('the ROM presets take the indexed path by themselves', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'a3c-indexed-')), 'kernel.bin');
  writeFileSync(path, kernelRom(1));
  assert.ok(grayOf(makeEnv('breakout', 1, 'train', {}, { path, game: 'breakout' })).indexed !== null);
  assert.ok(grayOf(makeEnv('space_invaders', 1, 'train', {}, { path, game: 'space_invaders' })).indexed !== null);
  assert.equal(grayOf(makeEnv('space_invaders', 1, 'train', { maxPoolLastTwoFrames: true }, { path, game: 'space_invaders' })).indexed, null);
});
