import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testRom } from '../fixtures/testRom.js';
import { compareFrames } from './frameReference.js';
import { kernelRom } from './fixtures/kernelRom.js';

/*
 * Whole machine against 6502.ts: the project's 4K test ROM (per-line background colours,
 * VBLANK, SWCHA/SWCHB, INPT4, the paddle charge, BCD score) frame by frame, RAM and every pixel.
 */

const inputs = (f: number) => ({ fire: f % 7 < 3, right: f % 5 === 0, left: f % 13 === 1, up: f % 11 < 4, down: f % 17 === 3, reset: f % 50 < 4, select: f % 30 === 10 });

test('the test ROM with the joystick: 300 frames identical to 6502.ts (RAM and 210x160 pixels)', () => {
  assert.equal(compareFrames(testRom(), 300, inputs), null);
});

test('the test ROM with paddles: 100 frames identical for each of three paddle positions (charge timing)', () => {
  for (const paddle of [0.1, 0.5, 0.9]) assert.equal(compareFrames(testRom(), 100, inputs, paddle), null, `paddle ${paddle}`);
});

test('the game-like kernel ROM (4K): 200 frames identical to 6502.ts under joystick input', () => {
  assert.equal(compareFrames(kernelRom(1), 200, inputs), null);
});
