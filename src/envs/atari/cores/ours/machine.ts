import { createRequire } from 'node:module';
import { Cpu6507, PAGES_64K, type CpuBus, type CpuState, type DirectMemory } from './cpu6507.js';
import { Riot, type RiotState } from './riot.js';
import { Cartridge, type CartridgeState, type Scheme } from './cartridge.js';
import { Tia } from './tia.js';
import { indexedToRgb } from '../../../indexedFrames.js';

/**
 * Our Atari 2600: the 6507, the RIOT, the TIA and a cartridge on the 13-bit bus. The bus is the
 * clock: every access is one CPU cycle (three colour clocks), so the chips see time pass only
 * through it, and catch up lazily when they are touched.
 */

/** NTSC palette as 0xAABBGGRR words, one per colour >> 1 (the table 6502.ts ships: data, not code). */
const require = createRequire(import.meta.url);
const NTSC_PALETTE = (require('6502.ts/lib/machine/stella/tia/palette.js') as { NTSC: Uint32Array }).NTSC;

/** The palette as 0x00BBGGRR: a pixel's three bytes in the low bits of a little-endian word. */
export const NTSC_RGB = NTSC_PALETTE.map((word) => word & 0xffffff);
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Bytes of RIOT RAM (first in the machine's memory). */
const RAM_SIZE = 128;

/** CPU cycles in an NTSC frame of 262 lines. */
const CYCLES_PER_FRAME = 262 * 76;

export interface MachineState { cycle: number; bus: number; cpu: CpuState; riot: RiotState; tia: Record<string, unknown>; cartridge: CartridgeState }

export class Machine implements CpuBus {
  readonly cpu: Cpu6507;
  readonly riot: Riot;
  readonly tia: Tia;
  readonly cartridge: Cartridge;
  /** RIOT RAM, then the cartridge's ROM and RAM: the memory the CPU reads (and RIOT RAM writes) directly. */
  private readonly direct: DirectMemory;
  /** A word view of the last RGB buffer `screenRgb` filled (kept: the same buffer comes every frame). */
  private rgbWordsOf: Uint8Array | null = null;
  private rgbWords: Uint32Array = new Uint32Array(0);
  /** The cycle at which the frame being run stops, whatever happens (two frames' time). */
  private frameLimit = 0;

  constructor(rom: Uint8Array, scheme: Scheme = Cartridge.detect(rom), rows = 210, firstRowLine = 31) {
    const memory = new Uint8Array(RAM_SIZE + Cartridge.memorySize(rom, scheme));
    this.riot = new Riot(memory.subarray(0, RAM_SIZE));
    this.cartridge = new Cartridge(rom, scheme, memory.subarray(RAM_SIZE));
    this.direct = { memory, readPages: new Int32Array(PAGES_64K).fill(-1), writePages: new Int32Array(PAGES_64K).fill(-1) };
    if (!this.cartridge.snoops) {
      // RIOT RAM: A12 = 0, A9 = 0, A7 = 1 (the stack's page $0100-$01FF is a mirror).
      for (let page = 0; page < PAGES_64K; page++) if ((page & 0x25) === 0x01) this.direct.readPages[page] = this.direct.writePages[page] = 0;
    }
    this.tia = new Tia(rows, firstRowLine);
    this.cpu = new Cpu6507(this, this.direct);
    this.powerOn();
  }

  /** CPU cycles since power-on, counted by the CPU (an access is one; WSYNC and skipped timer polls add more). */
  get cycle(): number {
    return this.cpu.cycle;
  }

  /** Resets the CPU, RIOT timer, TIA registers and cartridge banks; RAM keeps its contents. */
  powerOn(): void {
    this.cartridge.reset();
    this.refreshCartridgePages();
    this.riot.reset(this.cpu.cycle);
    this.cpu.reset();
  }

  /** Points the CPU's direct reads of the cartridge window ($1000-$1FFF and its mirrors) at the banks now mapped. */
  private refreshCartridgePages(): void {
    const cartridge = this.cartridge, pages = this.direct.readPages;
    cartridge.remapped = false;
    if (cartridge.snoops) return; // watches every access: no page is ever read directly (3F remaps on every TIA write)
    for (let page = 0; page < PAGES_64K; page++) {
      if (!(page & 0x20)) continue;
      const at = cartridge.directReadPage(page & 0x1f);
      pages[page] = at < 0 ? -1 : RAM_SIZE + at;
    }
  }

  /** A bus read the CPU could not make directly; it counted the cycle already, and the data bus still holds the last access's value. */
  read(address: number): number {
    const cpu = this.cpu, cycle = cpu.cycle - 1, bus = cpu.dataBus;
    let value: number;
    if (address & 0x1000) {
      value = this.cartridge.read(address, bus);
      if (this.cartridge.remapped) this.refreshCartridgePages();
    } else if ((address & 0x80) === 0) value = this.tia.read(address, 3 * cycle + 3, cycle, bus);
    else if (address & 0x200) value = this.riot.readRegister(address, cycle, bus);
    else value = this.riot.ram[address & 0x7f];
    if (this.cartridge.snoops) { this.cartridge.snoop(address, value, false); if (this.cartridge.remapped) this.refreshCartridgePages(); }
    return value;
  }

  /** Polls of INTIM that read non-zero before the timer reaches zero (see `CpuBus.idlePolls`); other addresses: none. */
  idlePolls(address: number, first: number, period: number, max: number): number {
    if ((address & 0x1285) !== 0x0284 || this.cartridge.snoops) return 0;
    return this.riot.pollsBeforeZero(first, period, max);
  }

  write(address: number, value: number): void {
    const cpu = this.cpu, cycle = cpu.cycle - 1;
    if (address & 0x1000) {
      this.cartridge.write(address, value);
      if (this.cartridge.remapped) this.refreshCartridgePages();
    } else if ((address & 0x80) === 0) {
      const a = address & 0x3f;
      if (a === 0x02) {
        // WSYNC: the CPU halts until the next line starts (at once when the write's cycle ends its line).
        const next = this.tia.nextLineClock(3 * cycle + 2);
        cpu.cycle = Math.max(cpu.cycle, Math.ceil(next / 3));
        this.tia.catchUp(3 * cpu.cycle);
      } else {
        this.tia.write(a, value, 3 * cycle, cycle);
        if (a === 0x00 || a === 0x03) cpu.limit = this.frameStop(); // VSYNC and RSYNC move the frame's end
      }
    } else if (address & 0x200) this.riot.writeRegister(address, value, cycle);
    else this.riot.ram[address & 0x7f] = value;
    if (this.cartridge.snoops) { this.cartridge.snoop(address, value, true); if (this.cartridge.remapped) this.refreshCartridgePages(); }
  }

  /** The cycle before which the CPU runs in this frame: 0 once VSYNC ended it, else the frame's end or its time limit. */
  private frameStop(): number {
    const tia = this.tia;
    return tia.frameEnded ? 0 : Math.min(this.frameLimit, Math.ceil(tia.frameEndClock / 3));
  }

  /**
   * Runs until VSYNC starts a new frame (or two frames' time pass without one). `observe`:
   * draw the frame's pixels; false runs it for its effects only (RAM, collisions).
   */
  runFrame(observe = true): void {
    const tia = this.tia, cpu = this.cpu;
    tia.startFrame(observe);
    if (this.cartridge.remapped) this.refreshCartridgePages();
    this.frameLimit = cpu.cycle + 2 * CYCLES_PER_FRAME;
    cpu.limit = this.frameStop();
    cpu.run();
    if (cpu.jammed) throw new Error(`the emulated program stopped: the CPU ran the JAM opcode $${cpu.jamOpcode.toString(16)} at $${cpu.pc.toString(16)}`);
    tia.catchUp(3 * cpu.cycle);
  }

  /** The screen as packed RGB (3 bytes a pixel). */
  screenRgb(out: Uint8Array): void {
    const s = this.tia.screen;
    if (LITTLE_ENDIAN && (out.byteOffset & 3) === 0 && s.length % 4 === 0 && out.length >= 3 * s.length) {
      // Four pixels are three whole words: a third of the stores, no byte shuffling per channel.
      if (this.rgbWordsOf !== out) { this.rgbWordsOf = out; this.rgbWords = new Uint32Array(out.buffer, out.byteOffset, (3 * s.length) >> 2); }
      const words = this.rgbWords, pixels = this.tia.screenWords;
      for (let p = 0, q = 0; p < pixels.length; p++, q += 3) {
        const four = pixels[p]; // four palette indices, the leftmost in the low byte
        const c0 = NTSC_RGB[four & 0xff], c1 = NTSC_RGB[(four >>> 8) & 0xff], c2 = NTSC_RGB[(four >>> 16) & 0xff], c3 = NTSC_RGB[four >>> 24];
        words[q] = c0 | (c1 << 24);
        words[q + 1] = (c1 >>> 8) | (c2 << 16);
        words[q + 2] = (c2 >>> 16) | (c3 << 8);
      }
      return;
    }
    indexedToRgb(s, NTSC_RGB, out);
  }

  saveState(): MachineState {
    return { cycle: this.cpu.cycle, bus: this.cpu.dataBus, cpu: this.cpu.saveState(), riot: this.riot.saveState(), tia: this.tia.saveState(), cartridge: this.cartridge.saveState() };
  }

  loadState(state: MachineState): void {
    this.cpu.loadState(state.cpu);
    this.cpu.cycle = state.cycle;
    this.cpu.dataBus = state.bus;
    this.riot.loadState(state.riot);
    this.tia.loadState(state.tia);
    this.cartridge.loadState(state.cartridge);
    this.refreshCartridgePages();
  }
}
