import { Atari2600 } from '../../../src/envs/atari/stella.js';
import { Machine } from '../../../src/envs/atari/cores/ours/machine.js';

/**
 * Runs a ROM on our machine and on 6502.ts (through the project's adapter) frame by frame with
 * the same inputs and reports the first frame where the RAM or the 210x160 picture differ.
 */
export interface FrameDifference { frame: number; what: 'ram' | 'pixel'; index: number; ours: number; theirs: number }

export interface FrameInputs { fire: boolean; right: boolean; left: boolean; up: boolean; down: boolean; reset: boolean; select: boolean }

export function compareFrames(rom: Uint8Array, frames: number, inputs: (frame: number) => FrameInputs, paddle: number | null = null): FrameDifference | null {
  const theirs = new Atari2600(rom, 1, paddle !== null);
  const ours = new Machine(rom);
  ours.tia.inputs.paddlesConnected = paddle !== null;
  ours.tia.inputs.paddles[0] = paddle ?? 0.5;
  const a = new Uint8Array(210 * 160 * 3), b = new Uint8Array(210 * 160 * 3);
  for (let f = 0; f < frames; f++) {
    const i = inputs(f);
    theirs.frame({ ...i, paddle: paddle ?? 0.5 });
    // With paddles, the adapter wires paddle 0's button to SWCHA bit 7 and ignores the directions.
    ours.riot.swcha = paddle !== null ? (i.fire ? 0x7f : 0xff)
      : 0xff & ~(i.right ? 0x80 : 0) & ~(i.left ? 0x40 : 0) & ~(i.down ? 0x20 : 0) & ~(i.up ? 0x10 : 0);
    ours.riot.swchb = 0x0b & ~(i.reset ? 1 : 0) & ~(i.select ? 2 : 0);
    ours.tia.inputs.fire0 = paddle === null && i.fire;
    ours.runFrame();
    for (let r = 0; r < 128; r++) {
      if (ours.riot.ram[r] !== theirs.ram(r)) return { frame: f, what: 'ram', index: r, ours: ours.riot.ram[r], theirs: theirs.ram(r) };
    }
    ours.screenRgb(a);
    theirs.screen(b);
    for (let p = 0; p < a.length; p += 3) {
      const x = (a[p] << 16) | (a[p + 1] << 8) | a[p + 2], y = (b[p] << 16) | (b[p + 1] << 8) | b[p + 2];
      if (x !== y) return { frame: f, what: 'pixel', index: p / 3, ours: x, theirs: y };
    }
  }
  return null;
}
