import { createRequire } from 'node:module';
import type { EmulatorCore, Inputs } from './emulatorCore.js';

export type { Inputs } from './emulatorCore.js';

/**
 * The one file that touches the 6502.ts emulator (the TypeScript Atari 2600 core of Stellerator,
 * MIT). It drives a Board headless: one call runs the console to the end of the next video frame.
 * Everything else in src/envs/atari/ sees only this class.
 *
 * 6502.ts is CommonJS without an `exports` map, so its modules are loaded by path.
 */
const require = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-explicit-any */
const Board = require('6502.ts/lib/machine/stella/Board.js').default as new (config: unknown, cartridge: unknown) => any;
const Config = require('6502.ts/lib/machine/stella/Config.js').default as { create(c: Record<string, unknown>): unknown };
const CartridgeFactory = require('6502.ts/lib/machine/stella/cartridge/CartridgeFactory.js').default as new () => any;

/** Colour clocks in an NTSC frame (262 lines of 228 clocks). */
export const CLOCKS_PER_FRAME = 262 * 228;
/** What 6502.ts renders per frame (the NTSC kernel plus 20 lines); we keep the first 210. */
const SURFACE_WIDTH = 160;
const SURFACE_HEIGHT = 212;
export const SCREEN_WIDTH = 160;
export const SCREEN_HEIGHT = 210;
/**
 * 6502.ts starts its picture `frameStart` lines after VSYNC ends; the ALE shows 210 lines from
 * line 34 after VSYNC starts (Stella's default Display.YStart). With the usual 3-line VSYNC
 * that is 31 lines, and the frame manager starts after line `frameStart` (strictly greater).
 * Checked with a test ROM that paints each scanline its own colour (test/envs/atariRom.test.ts).
 */
const FRAME_START = 30;

export class Atari2600 implements EmulatorCore {
  private readonly board: any;
  private readonly pia: { ram: Uint8Array };
  /** 6502.ts writes one 0xAABBGGRR word per pixel; read bytewise that is R, G, B, A (little-endian hosts). */
  private readonly surface: Uint8Array;
  private readonly surfaceWords: Uint32Array;
  private frameDone = false;
  private trapMessage: string | null = null;
  /** Frames emulated since construction (for speed measurements). */
  framesEmulated = 0;

  /** Throws a one-line error for ROMs whose bank-switching scheme 6502.ts cannot set up synchronously. */
  constructor(rom: Uint8Array, seed: number, readonly paddles: boolean) {
    let cartridge: any;
    try {
      cartridge = (new CartridgeFactory() as any)._createCartridge(rom);
    } catch (error) {
      throw new Error(`the emulator cannot load this ROM: ${(error as Error).message}`);
    }
    // Only the ARM-assisted schemes (DPC+, CDF) need the asynchronous init; none of the supported games use them.
    if (/DPCPlus|CDF/.test(cartridge.constructor.name)) {
      throw new Error(`the ROM uses the ${cartridge.constructor.name} bank-switching scheme, which is not supported here`);
    }
    const config = Config.create({ tvMode: 0, enableAudio: false, randomSeed: seed, emulatePaddles: paddles, frameStart: FRAME_START, pcmAudio: false, cpuType: 1 });
    this.board = new Board(config, cartridge);
    this.pia = this.board._pia;
    if (!(this.pia?.ram instanceof Uint8Array) || this.pia.ram.length !== 128) throw new Error('6502.ts changed: the PIA RAM is not where the adapter expects it');
    this.surfaceWords = new Uint32Array(SURFACE_WIDTH * SURFACE_HEIGHT);
    this.surface = new Uint8Array(this.surfaceWords.buffer);
    const surface = {
      getWidth: () => SURFACE_WIDTH, getHeight: () => SURFACE_HEIGHT,
      getBuffer: () => this.surfaceWords, getByteOrder: () => 0,
    };
    const video = this.board.getVideoOutput();
    video.setSurfaceFactory(() => surface);
    video.newFrame.addHandler(() => {
      this.frameDone = true;
      this.board.triggerTrap(2, 'frame'); // makes tick() return at the frame boundary
    });
    this.board.trap.addHandler((payload: { reason: number; message?: string }) => {
      if (payload.reason !== 2) this.trapMessage = payload.message ?? `trap ${payload.reason}`;
    });
    this.board.setAudioEnabled(false);
    this.board.boot();
  }

  /** Power-cycles the console (CPU, TIA, RIOT and cartridge reset; RAM keeps its contents as on hardware). */
  hardReset(): void {
    this.board.reset();
    this.board.boot();
  }

  /** Runs the console with `inputs` held until the next frame is complete (or two frames' time pass without one). */
  frame(inputs: Inputs): void {
    const joystick = this.board.getJoystick0();
    if (this.paddles) {
      // Paddle 0's button is wired to the pin of joystick 0's RIGHT (SWCHA bit 7), which is how
      // 6502.ts exposes it; the paddle's position is analogue.
      joystick.getUp().toggle(false);
      joystick.getDown().toggle(false);
      joystick.getLeft().toggle(false);
      joystick.getRight().toggle(inputs.fire);
      joystick.getFire().toggle(false);
      this.board.getPaddle(0).setValue(inputs.paddle);
    } else {
      joystick.getUp().toggle(inputs.up);
      joystick.getDown().toggle(inputs.down);
      joystick.getLeft().toggle(inputs.left);
      joystick.getRight().toggle(inputs.right);
      joystick.getFire().toggle(inputs.fire);
    }
    const panel = this.board.getControlPanel();
    panel.getResetButton().toggle(inputs.reset);
    panel.getSelectSwitch().toggle(inputs.select);
    this.frameDone = false;
    let budget = 2 * CLOCKS_PER_FRAME;
    while (!this.frameDone && budget > 0) {
      budget -= this.board.tick(budget);
      if (this.trapMessage) {
        const message = this.trapMessage;
        this.trapMessage = null;
        throw new Error(`the emulated program stopped: ${message}`);
      }
    }
    this.framesEmulated++;
  }

  /** RIOT RAM byte `index` (0-127, i.e. address $80 + index), as the ALE's readRam. */
  ram(index: number): number {
    return this.pia.ram[index & 0x7f];
  }

  /** The last complete frame, cropped to the ALE's 210x160, as packed RGB. */
  screen(out: Uint8Array): void {
    const s = this.surface;
    for (let p = 0, q = 0; p < SCREEN_WIDTH * SCREEN_HEIGHT; p++, q += 4) {
      out[p * 3] = s[q];
      out[p * 3 + 1] = s[q + 1];
      out[p * 3 + 2] = s[q + 2];
    }
  }
}
