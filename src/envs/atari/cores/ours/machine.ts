import { createRequire } from 'node:module';
import { Cpu6507, type CpuBus, type CpuState } from './cpu6507.js';
import { Riot, type RiotState } from './riot.js';
import { Cartridge, type CartridgeState, type Scheme } from './cartridge.js';
import { Tia } from './tia.js';

/**
 * Our Atari 2600: the 6507, the RIOT, the TIA and a cartridge on the 13-bit bus. The bus is the
 * clock: every access is one CPU cycle (three colour clocks), so the chips see time pass only
 * through it, and catch up lazily when they are touched.
 */

/** NTSC palette as 0xAABBGGRR words, one per colour >> 1 (the table 6502.ts ships: data, not code). */
const require = createRequire(import.meta.url);
const NTSC_PALETTE = (require('6502.ts/lib/machine/stella/tia/palette.js') as { NTSC: Uint32Array }).NTSC;

/** The palette as 0x00BBGGRR: a pixel's three bytes in the low bits of a little-endian word. */
const NTSC_RGB = NTSC_PALETTE.map((word) => word & 0xffffff);
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** CPU cycles in an NTSC frame of 262 lines. */
const CYCLES_PER_FRAME = 262 * 76;

export interface MachineState { cycle: number; bus: number; cpu: CpuState; riot: RiotState; tia: Record<string, unknown>; cartridge: CartridgeState }

export class Machine implements CpuBus {
  readonly cpu: Cpu6507;
  readonly riot = new Riot();
  readonly tia: Tia;
  readonly cartridge: Cartridge;
  /** CPU cycles since power-on; the current access happens in cycle `cycle - 1`. */
  cycle = 0;
  /** The data bus's last value (undriven bits of TIA and RIOT reads). */
  private dataBus = 0;
  private readonly snoops: boolean;
  /** A word view of the last RGB buffer `screenRgb` filled (kept: the same buffer comes every frame). */
  private rgbWordsOf: Uint8Array | null = null;
  private rgbWords: Uint32Array = new Uint32Array(0);

  constructor(rom: Uint8Array, scheme: Scheme = Cartridge.detect(rom), rows = 210, firstRowLine = 31) {
    this.cartridge = new Cartridge(rom, scheme);
    this.snoops = this.cartridge.snoops;
    this.tia = new Tia(rows, firstRowLine);
    this.cpu = new Cpu6507(this);
    this.powerOn();
  }

  /** Resets the CPU, RIOT timer, TIA registers and cartridge banks; RAM keeps its contents. */
  powerOn(): void {
    this.cartridge.reset();
    this.riot.reset(this.cycle);
    this.cpu.reset();
  }

  read(address: number): number {
    const cycle = this.cycle++;
    let value: number;
    if (address & 0x1000) value = this.cartridge.read(address, this.dataBus);
    else if ((address & 0x80) === 0) value = this.tia.read(address, 3 * cycle + 3, cycle, this.dataBus);
    else if (address & 0x200) value = this.riot.readRegister(address, cycle, this.dataBus);
    else value = this.riot.ram[address & 0x7f];
    this.dataBus = value;
    if (this.snoops) this.cartridge.snoop(address, value, false);
    return value;
  }

  write(address: number, value: number): void {
    const cycle = this.cycle++;
    this.dataBus = value;
    if (address & 0x1000) this.cartridge.write(address, value);
    else if ((address & 0x80) === 0) {
      const a = address & 0x3f;
      if (a === 0x02) {
        // WSYNC: the CPU halts until the next line starts (at once when the write's cycle ends its line).
        const next = this.tia.nextLineClock(3 * cycle + 2);
        this.cycle = Math.max(this.cycle, Math.ceil(next / 3));
        this.tia.catchUp(3 * this.cycle);
      } else this.tia.write(a, value, 3 * cycle, cycle);
    } else if (address & 0x200) this.riot.writeRegister(address, value, cycle);
    else this.riot.ram[address & 0x7f] = value;
    if (this.snoops) this.cartridge.snoop(address, value, true);
  }

  /**
   * Runs until VSYNC starts a new frame (or two frames' time pass without one). `observe`:
   * draw the frame's pixels; false runs it for its effects only (RAM, collisions).
   */
  runFrame(observe = true): void {
    const tia = this.tia, cpu = this.cpu;
    tia.startFrame(observe);
    const limit = this.cycle + 2 * CYCLES_PER_FRAME;
    while (!tia.frameEnded && this.cycle < limit && 3 * this.cycle < tia.frameEndClock) {
      cpu.step();
      if (cpu.jammed) throw new Error(`the emulated program stopped: the CPU ran the JAM opcode $${cpu.jamOpcode.toString(16)} at $${cpu.pc.toString(16)}`);
    }
    tia.catchUp(3 * this.cycle);
  }

  /** The screen as packed RGB (3 bytes a pixel). */
  screenRgb(out: Uint8Array): void {
    const s = this.tia.screen;
    if (LITTLE_ENDIAN && (out.byteOffset & 3) === 0 && s.length % 4 === 0 && out.length >= 3 * s.length) {
      // Four pixels are three whole words: a third of the stores, no byte shuffling per channel.
      if (this.rgbWordsOf !== out) { this.rgbWordsOf = out; this.rgbWords = new Uint32Array(out.buffer, out.byteOffset, (3 * s.length) >> 2); }
      const words = this.rgbWords;
      for (let p = 0, q = 0; p < s.length; p += 4, q += 3) {
        const c0 = NTSC_RGB[s[p]], c1 = NTSC_RGB[s[p + 1]], c2 = NTSC_RGB[s[p + 2]], c3 = NTSC_RGB[s[p + 3]];
        words[q] = c0 | (c1 << 24);
        words[q + 1] = (c1 >>> 8) | (c2 << 16);
        words[q + 2] = (c2 >>> 16) | (c3 << 8);
      }
      return;
    }
    for (let p = 0, q = 0; p < s.length; p++, q += 3) {
      const word = NTSC_PALETTE[s[p]];
      out[q] = word & 0xff;
      out[q + 1] = (word >> 8) & 0xff;
      out[q + 2] = (word >> 16) & 0xff;
    }
  }

  saveState(): MachineState {
    return { cycle: this.cycle, bus: this.dataBus, cpu: this.cpu.saveState(), riot: this.riot.saveState(), tia: this.tia.saveState(), cartridge: this.cartridge.saveState() };
  }

  loadState(state: MachineState): void {
    this.cycle = state.cycle;
    this.dataBus = state.bus;
    this.cpu.loadState(state.cpu);
    this.riot.loadState(state.riot);
    this.tia.loadState(state.tia);
    this.cartridge.loadState(state.cartridge);
  }
}
