import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Breakout } from '../../src/envs/breakout/breakout.js';
import { GrayAreaResizer } from '../../src/wrappers/grayArea.js';
import { ReferenceGrayResize } from './grayResizeReference.js';

/** Small deterministic generator for the test's own frames. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

function assertSame(fused: Uint8Array, reference: Uint8Array, what: string): void {
  for (let i = 0; i < reference.length; i++) {
    if (fused[i] !== reference[i]) assert.fail(`${what}: pixel ${i} is ${fused[i]}, the float recipe gives ${reference[i]}`);
  }
}

test('fused gray 84x84 equals the float recipe on real Breakout frames', () => {
  const game = new Breakout(3);
  const fused = new GrayAreaResizer(210, 160, 84), reference = new ReferenceGrayResize(210, 160, 84);
  const out = new Uint8Array(84 * 84);
  const next = lcg(3);
  game.reset({ seed: 3 });
  for (let step = 0; step < 400; step++) {
    const r = game.step(next() % 4);
    fused.resize(r.observation, out);
    assertSame(out, reference.transform(r.observation), `step ${step}`);
    if (r.terminated || r.truncated) game.reset();
  }
});

test('fused gray equals the float recipe on random RGB frames and on 128-colour (NTSC-like) frames', () => {
  const fused = new GrayAreaResizer(210, 160, 84), reference = new ReferenceGrayResize(210, 160, 84);
  const out = new Uint8Array(84 * 84);
  const next = lcg(17);
  const rgb = new Uint8Array(210 * 160 * 3);
  for (let frame = 0; frame < 40; frame++) {
    for (let i = 0; i < rgb.length; i++) rgb[i] = next() >>> 24;
    fused.resize(rgb, out);
    assertSame(out, reference.transform(rgb), `random frame ${frame}`);
  }
  const palette = Array.from({ length: 128 }, () => [next() >>> 24, next() >>> 24, next() >>> 24]);
  for (let frame = 0; frame < 20; frame++) {
    // blocks of one colour, as a 2600 draws: runs of 1-16 pixels
    for (let p = 0; p < 210 * 160;) {
      const c = palette[next() % 128];
      for (let run = 1 + (next() % 16); run > 0 && p < 210 * 160; run--, p++) rgb.set(c, p * 3);
    }
    fused.resize(rgb, out);
    assertSame(out, reference.transform(rgb), `palette frame ${frame}`);
  }
  assert.ok(fused.boundaryPixels > 0, 'some random pixels fell near a rounding boundary and took the float recipe');
});

test('fused gray equals the float recipe where the true value sits on a rounding boundary', () => {
  // Uniform colours with 2125 r + 7154 g + 721 b = 9999 mod 10000 have true gray k - 1e-4:
  // the float recipe's + 1e-4 lands exactly on k, and only its own rounding decides.
  const fused = new GrayAreaResizer(210, 160, 84), reference = new ReferenceGrayResize(210, 160, 84);
  const out = new Uint8Array(84 * 84);
  const rgb = new Uint8Array(210 * 160 * 3);
  let colours = 0;
  for (let r = 0; r < 256 && colours < 12; r += 7) for (let g = 0; g < 256 && colours < 12; g++) for (let b = 0; b < 256; b++) {
    if ((2125 * r + 7154 * g + 721 * b) % 10000 !== 9999) continue;
    for (let p = 0; p < rgb.length; p += 3) { rgb[p] = r; rgb[p + 1] = g; rgb[p + 2] = b; }
    const before = fused.boundaryPixels;
    fused.resize(rgb, out);
    assertSame(out, reference.transform(rgb), `uniform (${r}, ${g}, ${b})`);
    assert.equal(fused.boundaryPixels - before, 84 * 84, 'every pixel is a boundary pixel');
    colours++;
    break;
  }
  assert.equal(colours, 12);
});

test('fused gray equals the float recipe at other sizes, down and up', () => {
  const next = lcg(5);
  for (const [h, w, size] of [[210, 160, 42], [210, 160, 100], [50, 40, 84], [210, 160, 64]]) {
    const fused = new GrayAreaResizer(h, w, size), reference = new ReferenceGrayResize(h, w, size);
    const out = new Uint8Array(size * size);
    const rgb = new Uint8Array(h * w * 3);
    for (let frame = 0; frame < 3; frame++) {
      for (let i = 0; i < rgb.length; i++) rgb[i] = next() >>> 24;
      fused.resize(rgb, out);
      assertSame(out, reference.transform(rgb), `${h}x${w} -> ${size}, frame ${frame}`);
    }
  }
});
