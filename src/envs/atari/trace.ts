import CRC32 from 'crc-32';
import { actionInputs, movePaddle, PADDLE_CENTRE, paddleValue } from './atariEnv.js';
import { createEmulator, type EmulatorCore, type EmulatorKind } from './emulatorCore.js';
import type { GameSettings } from './games.js';
import { SCREEN_HEIGHT, SCREEN_WIDTH } from './stella.js';

/**
 * Frame-by-frame traces of a ROM on one 2600 core, and the two cores side by side: what
 * `a3c emu trace` and `a3c emu diff` print. Frames run from power-on (no ALE reset sequence),
 * one ALE action held per frame, wired as AtariEnv wires it (the game's paddles included).
 */

/** The action held in frame `frame` (0-based). */
export type ActionAt = (frame: number) => number;

export interface TraceLine {
  frame: number;
  /** CRC-32 of the 210x160 RGB screen (3 bytes a pixel, row by row), 8 hex digits. */
  screen_crc32: string;
  /** CRC-32 of the 128 bytes of RIOT RAM ($80-$FF), 8 hex digits. */
  ram_crc32: string;
}

export interface RamDifference { address: string; ours: number; theirs: number }
/** `scanline`: the row of the ALE's 210-line screen; colours as #rrggbb. */
export interface PixelDifference { scanline: number; x: number; ours: string; theirs: string }
export interface FirstDifference { frame: number; ram: RamDifference | null; pixel: PixelDifference | null }
export interface DiffResult { frames: number; identical: boolean; first_difference: FirstDifference | null }

const SCREEN_BYTES = SCREEN_WIDTH * SCREEN_HEIGHT * 3;

/** One core running a ROM frame by frame with ALE actions. */
class FrameRunner {
  readonly core: EmulatorCore;
  readonly screen = new Uint8Array(SCREEN_BYTES);
  readonly ram = new Uint8Array(128);
  private paddle = PADDLE_CENTRE;

  constructor(readonly kind: EmulatorKind, private readonly game: GameSettings, rom: Uint8Array) {
    this.core = createEmulator(kind, rom, 0, game.paddles);
  }

  /** Runs one frame holding `action`; fills `screen` and `ram`. */
  frame(action: number): void {
    const inputs = actionInputs(action, this.paddle);
    if (this.game.paddles) {
      this.paddle = movePaddle(this.paddle, inputs);
      inputs.paddle = paddleValue(this.paddle);
    }
    try {
      this.core.frame(inputs, true);
    } catch (error) {
      throw new Error(`${this.kind}: ${(error as Error).message}`);
    }
    this.core.screen(this.screen);
    for (let i = 0; i < 128; i++) this.ram[i] = this.core.ram(i);
  }
}

const hex32 = (crc: number) => (crc >>> 0).toString(16).padStart(8, '0');
const colour = (rgb: Uint8Array, p: number) => '#' + [rgb[p], rgb[p + 1], rgb[p + 2]].map((c) => c.toString(16).padStart(2, '0')).join('');

/** Yields one line per frame of `frames`, on core `kind`. */
export function* traceFrames(kind: EmulatorKind, game: GameSettings, rom: Uint8Array, frames: number, actionAt: ActionAt): Generator<TraceLine> {
  const runner = new FrameRunner(kind, game, rom);
  for (let f = 0; f < frames; f++) {
    runner.frame(actionAt(f));
    yield { frame: f, screen_crc32: hex32(CRC32.buf(runner.screen)), ram_crc32: hex32(CRC32.buf(runner.ram)) };
  }
}

/**
 * Runs ours and 6502.ts side by side for `frames` frames with the same actions; stops at the
 * first frame whose RAM or picture differ and reports its first differing RAM byte and its
 * first differing pixel (in raster order), each null where that part agrees.
 */
export function diffCores(game: GameSettings, rom: Uint8Array, frames: number, actionAt: ActionAt): DiffResult {
  const ours = new FrameRunner('ours', game, rom), theirs = new FrameRunner('6502ts', game, rom);
  for (let f = 0; f < frames; f++) {
    const action = actionAt(f);
    ours.frame(action);
    theirs.frame(action);
    let ram: RamDifference | null = null, pixel: PixelDifference | null = null;
    for (let i = 0; i < 128 && !ram; i++) {
      if (ours.ram[i] !== theirs.ram[i]) ram = { address: '$' + (0x80 + i).toString(16).toUpperCase(), ours: ours.ram[i], theirs: theirs.ram[i] };
    }
    const a = ours.screen, b = theirs.screen;
    for (let p = 0; p < SCREEN_BYTES && !pixel; p += 3) {
      if (a[p] !== b[p] || a[p + 1] !== b[p + 1] || a[p + 2] !== b[p + 2]) {
        const index = p / 3;
        pixel = { scanline: Math.floor(index / SCREEN_WIDTH), x: index % SCREEN_WIDTH, ours: colour(a, p), theirs: colour(b, p) };
      }
    }
    if (ram || pixel) return { frames, identical: false, first_difference: { frame: f, ram, pixel } };
  }
  return { frames, identical: true, first_difference: null };
}
