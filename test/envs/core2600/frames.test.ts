import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testRom } from '../fixtures/testRom.js';
import { compareFrames } from './frameReference.js';
import { kernelRom } from './fixtures/kernelRom.js';
import { probeRom } from './fixtures/probeRom.js';
import { motionRom } from './fixtures/motionRom.js';
import { Machine } from '../../../src/envs/atari/cores/ours/machine.js';

/*
 * Whole machine against 6502.ts: the project's 4K test ROM (per-line background colours,
 * VBLANK, SWCHA/SWCHB, INPT4, the paddle charge, BCD score) frame by frame, RAM and every pixel.
 */

/** Joystick inputs drawn at random per frame (a hash of seed and frame, so any frame can be asked twice). */
function randomInputs(seed: number) {
  return (f: number) => {
    let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(f + 1, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 15), 0x27d4eb2f) ^ (h >>> 13);
    return { fire: (h & 1) !== 0, right: (h & 6) === 2, left: (h & 6) === 4, up: (h & 24) === 8, down: (h & 24) === 16, reset: false, select: false };
  };
}

const inputs = (f: number) => ({ fire: f % 7 < 3, right: f % 5 === 0, left: f % 13 === 1, up: f % 11 < 4, down: f % 17 === 3, reset: f % 50 < 4, select: f % 30 === 10 });

test('the test ROM with the joystick: 300 frames identical to 6502.ts (RAM and 210x160 pixels)', () => {
  assert.equal(compareFrames(testRom(), 300, inputs), null);
});

test('the test ROM with paddles: 100 frames identical for each of three paddle positions (charge timing)', () => {
  for (const paddle of [0.1, 0.5, 0.9]) assert.equal(compareFrames(testRom(), 100, inputs, paddle), null, `paddle ${paddle}`);
});

test('the game-like kernel ROM (4K): 600 frames identical to 6502.ts under joystick input', () => {
  assert.equal(compareFrames(kernelRom(1), 600, inputs), null);
});

test('the game-like kernel ROM as an F8 cartridge (kernel in bank 0): 400 frames identical to 6502.ts', () => {
  assert.equal(compareFrames(kernelRom(2), 400, inputs), null);
});

test('the kernel ROM with HMOVE at the start of every line (the movement and its comb in every HBLANK): 400 frames identical to 6502.ts', () => {
  assert.equal(compareFrames(kernelRom(1, { hmoveEveryLine: true }), 400, inputs), null);
});

test('state save/restore: a restored machine runs on exactly as the original (RAM, screen, cycle count)', () => {
  const a = new Machine(kernelRom(2));
  for (let f = 0; f < 50; f++) a.runFrame();
  const saved = a.saveState();
  const b = new Machine(kernelRom(2));
  b.loadState(structuredClone(saved));
  for (let f = 0; f < 50; f++) { a.runFrame(f % 2 === 0); b.runFrame(f % 2 === 0); }
  assert.equal(b.cycle, a.cycle);
  assert.deepEqual(b.riot.ram, a.riot.ram);
  assert.deepEqual(b.tia.screen, a.tia.screen);
  a.loadState(saved);
  assert.equal(a.cycle, saved.cycle, 'the original went back too');
});

test('unobserved frames (no pixels drawn) leave RAM and collisions as observed ones do (kernel ROM; test ROM, whose background changes per line)', () => {
  for (const rom of [kernelRom(1), testRom()]) {
    const observed = new Machine(rom), blind = new Machine(rom);
    for (let f = 0; f < 120; f++) { observed.runFrame(true); blind.runFrame(f % 4 === 3); }
    assert.deepEqual(blind.riot.ram, observed.riot.ram);
    assert.deepEqual(blind.tia.screen, observed.tia.screen, 'the last frame was observed by both');
  }
});

test('the motion probe ROM (resets across the line, mid-line HMOVE reaching the next HBLANK): 200 frames identical to 6502.ts', () => {
  assert.equal(compareFrames(probeRom(), 200, inputs), null);
});

test('the motion stress ROM (three random writes a line: resets, HMxx, HMOVE in HBLANK, mid-line and late, HMCLR, NUSIZ, CTRLPF, RESMP, ...): 300 frames of random input identical to 6502.ts, for 2 programs', () => {
  for (const seed of [1, 2]) assert.equal(compareFrames(motionRom(seed), 300, randomInputs(seed)), null, `program ${seed}`);
});

test('the motion stress ROM: unobserved frames leave RAM (with the collision latches) as observed ones do, and the observed frames match', () => {
  for (const seed of [4, 5]) {
    const observed = new Machine(motionRom(seed)), blind = new Machine(motionRom(seed));
    for (let f = 0; f < 200; f++) {
      observed.runFrame(true);
      blind.runFrame(f % 4 === 3);
      assert.deepEqual(blind.riot.ram, observed.riot.ram, `program ${seed}, frame ${f}`);
      if (f % 4 === 3) assert.deepEqual(blind.tia.screen, observed.tia.screen, `program ${seed}, frame ${f}`);
    }
  }
});

test('the motion stress ROM with HMOVE at the start of every line (writes meeting the movement in HBLANK, objects at the left edge): 300 frames of random input identical to 6502.ts, for 2 programs', () => {
  for (const seed of [1, 2]) assert.equal(compareFrames(motionRom(seed, { hmoveEveryLine: true }), 300, randomInputs(seed)), null, `program ${seed}`);
});

test('HMOVE in HBLANK in closed form gives what the exact counters give: RAM every frame, screens, collision reads during the movement shown in COLUPF (frames observed and not)', () => {
  for (const seed of [1, 2, 3]) {
    const rom = motionRom(seed, { hmoveEveryLine: true, showReads: true });
    const closed = new Machine(rom), exact = new Machine(rom);
    exact.tia.closedFormHmove = false;
    const input = randomInputs(seed);
    for (let f = 0; f < 300; f++) {
      const i = input(f);
      for (const m of [closed, exact]) {
        m.riot.swcha = 0xff & ~(i.right ? 0x80 : 0) & ~(i.left ? 0x40 : 0) & ~(i.down ? 0x20 : 0) & ~(i.up ? 0x10 : 0);
        m.tia.inputs.fire0 = i.fire;
        m.runFrame(f % 3 !== 1);
      }
      assert.deepEqual(closed.riot.ram, exact.riot.ram, `program ${seed}, frame ${f}`);
      if (f % 3 !== 1) assert.deepEqual(closed.tia.screen, exact.tia.screen, `program ${seed}, frame ${f}`);
    }
  }
});
