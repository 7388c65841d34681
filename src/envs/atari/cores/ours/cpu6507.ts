/**
 * The 6507 (an NMOS 6502 with 13 address lines) of our Atari 2600 core.
 *
 * `step()` runs one whole instruction (`run()` runs them up to a cycle limit), but it makes
 * exactly the bus accesses the chip makes, in order, dummy reads and writes included: one access
 * is one CPU cycle. The CPU counts the cycles, so a TIA or RIOT register write happens at the
 * cycle it happens on hardware, and hot-spot reads of bank-switching cartridges see the same
 * addresses as on hardware. Plain memory (RAM, ROM pages without hot spots) the CPU reads
 * itself through the bus's page tables (`DirectMemory`): the same accesses, without a call.
 * One exception: the turns of a timer wait loop whose reads the bus says change nothing are
 * skipped as time only (`skipWaitLoop`).
 *
 * Decimal mode follows the NMOS chip (N, V and Z of ADC come from the intermediate binary
 * result; SBC's flags are all binary). The undocumented opcodes are the stable NMOS ones
 * (LAX, SAX, DCP, ISB, SLO, RLA, SRE, RRA, ANC, ALR, ARR, SBX, LAS, the NOPs) plus the
 * unstable ones with their usual values (ANE and LXA with magic 0xFF, SHA/SHX/SHY/TAS with
 * the high byte plus one). The JAM opcodes stop the CPU (`jammed`).
 */

/** What the CPU sees of the machine: one call is one bus cycle. */
export interface CpuBus {
  read(address: number): number;
  write(address: number, value: number): void;
  /**
   * How many of `max` reads of `address`, at cycles `first`, `first + period`, ..., would return
   * non-zero and change nothing (so a loop polling it may skip them). Optional: without it none are skipped.
   */
  idlePolls?(address: number, first: number, period: number, max: number): number;
}

/**
 * Memory the CPU may read and write itself, without a bus call: for each 128-byte page of the
 * 64K address space, the offset of its bytes in `memory`, or -1 where an access must go to the
 * bus (registers, bank-switching hot spots, a cartridge that watches every access). The bus
 * keeps the tables current; the accesses still count as cycles.
 */
export interface DirectMemory {
  memory: Uint8Array;
  readPages: Int32Array;
  writePages: Int32Array;
}

/** 128-byte pages in the 64K address space. */
export const PAGES_64K = 512;
const NO_DIRECT_MEMORY: DirectMemory = { memory: new Uint8Array(0), readPages: new Int32Array(PAGES_64K).fill(-1), writePages: new Int32Array(PAGES_64K).fill(-1) };

/** Status register bits. */
export const Flag = { C: 0x01, Z: 0x02, I: 0x04, D: 0x08, B: 0x10, U: 0x20, V: 0x40, N: 0x80 } as const;

/** The CPU's registers as plain numbers (for state save/restore and tests). */
export interface CpuState {
  a: number; x: number; y: number; s: number; pc: number; p: number; jammed: boolean;
}

export class Cpu6507 {
  a = 0;
  x = 0;
  y = 0;
  s = 0xfd;
  pc = 0;
  /** N is bit 7 of `nResult`; Z is set when `zResult` is 0 (saves computing flags nobody reads). */
  private nResult = 0;
  private zResult = 1;
  private carry = 0;
  private overflow = 0;
  private decimal = 0;
  private interruptDisable = 1;
  /** Set by a JAM opcode; the CPU does nothing until reset. */
  jammed = false;
  /** The opcode that jammed the CPU (for the error message). */
  jamOpcode = 0;
  /** Bus cycles since power-on: every access is one; during a bus call, the access's cycle is `cycle - 1`. The bus may move it on (WSYNC). */
  cycle = 0;
  /** The value of the last access on the data bus (undriven bits of some reads show it). */
  dataBus = 0;
  /** `run` stops before an instruction that would start at this cycle or later. */
  limit = 0;
  private readonly memory: Uint8Array;
  private readonly readPages: Int32Array;
  private readonly writePages: Int32Array;

  constructor(private readonly bus: CpuBus, direct: DirectMemory = NO_DIRECT_MEMORY) {
    this.memory = direct.memory;
    this.readPages = direct.readPages;
    this.writePages = direct.writePages;
  }

  /** The status register as pushed by PHP (with B and the unused bit set). */
  get p(): number {
    return (this.nResult & 0x80) | (this.overflow ? Flag.V : 0) | Flag.U | Flag.B | (this.decimal ? Flag.D : 0) |
      (this.interruptDisable ? Flag.I : 0) | (this.zResult === 0 ? Flag.Z : 0) | this.carry;
  }

  set p(value: number) {
    this.nResult = value & 0x80;
    this.zResult = value & Flag.Z ? 0 : 1;
    this.carry = value & Flag.C;
    this.overflow = value & Flag.V ? 1 : 0;
    this.decimal = value & Flag.D ? 1 : 0;
    this.interruptDisable = value & Flag.I ? 1 : 0;
  }

  /** The reset sequence: 7 cycles (three reads, three stack reads, no writes), then PC from $FFFC. */
  reset(): void {
    this.jammed = false;
    this.read(0xff); this.read(0xff); this.read(0x100);
    this.read(0x1ff); this.read(0x1fe); this.s = 0xfd;
    this.interruptDisable = 1;
    const lo = this.read(0xfffc);
    this.pc = lo | (this.read(0xfffd) << 8);
  }

  /** One bus cycle reading `address`: from memory where the bus allows, else through it. */
  private read(address: number): number {
    this.cycle++;
    const at = this.readPages[address >> 7];
    return (this.dataBus = at >= 0 ? this.memory[at + (address & 127)] : this.bus.read(address));
  }

  private write(address: number, value: number): void {
    this.cycle++;
    this.dataBus = value;
    const at = this.writePages[address >> 7];
    if (at >= 0) this.memory[at + (address & 127)] = value;
    else this.bus.write(address, value);
  }

  saveState(): CpuState {
    return { a: this.a, x: this.x, y: this.y, s: this.s, pc: this.pc, p: this.p, jammed: this.jammed };
  }

  loadState(state: CpuState): void {
    this.a = state.a; this.x = state.x; this.y = state.y; this.s = state.s; this.pc = state.pc;
    this.p = state.p; this.jammed = state.jammed;
  }

  // ---- operations with more than a line of logic (the rest are written out in `step`)

  private adc(value: number): void {
    const a = this.a;
    if (this.decimal) {
      let lo = (a & 0x0f) + (value & 0x0f) + this.carry;
      if (lo > 9) lo += 6;
      let hi = (a >> 4) + (value >> 4) + (lo > 0x0f ? 1 : 0);
      this.zResult = (a + value + this.carry) & 0xff;
      this.nResult = (hi << 4) & 0x80;
      this.overflow = ~(a ^ value) & (a ^ (hi << 4)) & 0x80 ? 1 : 0;
      if (hi > 9) hi += 6;
      this.carry = hi > 0x0f ? 1 : 0;
      this.a = ((hi << 4) | (lo & 0x0f)) & 0xff;
    } else {
      const sum = a + value + this.carry;
      const result = sum & 0xff;
      this.overflow = ~(a ^ value) & (a ^ result) & 0x80 ? 1 : 0;
      this.carry = sum >> 8;
      this.a = this.nResult = this.zResult = result;
    }
  }

  private sbc(value: number): void {
    const a = this.a;
    const borrow = 1 - this.carry;
    const diff = a - value - borrow;
    const result = diff & 0xff;
    this.overflow = (a ^ value) & (a ^ result) & 0x80 ? 1 : 0;
    this.nResult = this.zResult = result;
    if (this.decimal) {
      let lo = (a & 0x0f) - (value & 0x0f) - borrow;
      let hi = (a >> 4) - (value >> 4);
      if (lo & 0x10) { lo -= 6; hi--; }
      if (hi & 0x10) hi -= 6;
      this.a = ((hi << 4) | (lo & 0x0f)) & 0xff;
    } else {
      this.a = result;
    }
    this.carry = diff >= 0 ? 1 : 0;
  }

  private arr(value: number): void {
    const t = this.a & value;
    const result = (t >> 1) | (this.carry << 7);
    if (this.decimal) {
      // NMOS decimal ARR: flags from the binary result, then a BCD fix-up of each nibble.
      this.nResult = this.carry << 7;
      this.zResult = result;
      this.overflow = (t ^ result) & 0x40 ? 1 : 0;
      let a = result;
      if ((t & 0x0f) + (t & 0x01) > 5) a = (a & 0xf0) | ((a + 6) & 0x0f);
      if ((t & 0xf0) + (t & 0x10) > 0x50) { a = (a + 0x60) & 0xff; this.carry = 1; } else this.carry = 0;
      this.a = a;
    } else {
      this.a = this.nResult = this.zResult = result;
      this.carry = (result >> 6) & 1;
      this.overflow = ((result >> 6) ^ (result >> 5)) & 1;
    }
  }

  /**
   * SHA/SHX/SHY/TAS at `pc` (their operand): store value & (high byte of the base + 1); on a page
   * cross the high byte is garbled too. `indirect`: (zp),Y, else absolute. Returns the next pc.
   */
  private storeHigh(pc: number, indirect: boolean, index: number, value: number): number {
    let base: number;
    if (indirect) {
      const pointer = this.read(pc);
      base = this.read(pointer) | (this.read((pointer + 1) & 0xff) << 8);
      pc = (pc + 1) & 0xffff;
    } else {
      base = this.read(pc) | (this.read((pc + 1) & 0xffff) << 8);
      pc = (pc + 2) & 0xffff;
    }
    const address = (base + index) & 0xffff;
    this.read((base & 0xff00) | (address & 0xff));
    const stored = value & (((base >> 8) + 1) & 0xff);
    const crossed = (base & 0xff) + index > 0xff;
    this.write(crossed ? (address & 0xff) | (stored << 8) : address, stored);
    return pc;
  }

  /**
   * At `target`, about to run again the loop `LDA abs; BNE target` (`period` cycles a turn):
   * games wait so for the RIOT timer. The turns whose reads the bus says would be non-zero and
   * without side effects (`idlePolls`) change nothing but the time, so they are skipped: the
   * cycle count moves on by their cycles, short of the last turn `run` would have started before
   * `limit`. The next turn then runs as usual, so A and the flags are those of a real read even
   * when the limit (the frame's end) comes next.
   */
  private skipWaitLoop(target: number, period: number): void {
    const at = this.readPages[target >> 7];
    if (at < 0 || (target & 127) > 125 || this.memory[at + (target & 127)] !== 0xad || this.bus.idlePolls === undefined) return;
    const address = this.memory[at + (target & 127) + 1] | (this.memory[at + (target & 127) + 2] << 8);
    // A turn starts its LDA at cycle c + k * period and its BNE 4 cycles later; both must start before the limit.
    const turns = Math.floor((this.limit - this.cycle - 5) / period); // the last one is left to run
    if (turns <= 0) return;
    this.cycle += period * this.bus.idlePolls(address, this.cycle + 3, period, turns);
  }

  /** Runs one instruction. */
  step(): void {
    this.limit = this.cycle + 1;
    this.run();
  }

  /**
   * Runs instructions until the cycle count reaches `limit` (the bus may lower it meanwhile) or
   * the CPU jams. Each instruction: the opcode, the byte after it (every mode reads it in the
   * second cycle), the mode's further cycles leaving the effective address in `address`, the
   * operand's read for operations that read one, then the operation. All in one function with
   * locals, and the hottest accesses (those four) written out rather than calls to `read`: V8
   * inlines only so much into one function, and a call per access cost more than its work.
   */
  run(): void {
    const memory = this.memory, pages = this.readPages, bus = this.bus;
    if (this.jammed) { if (this.cycle < this.limit) this.read(this.pc); return; }
    let pc = this.pc; // kept here while running: nothing else reads it meanwhile
    while (this.cycle < this.limit) {
      let at = pages[pc >> 7];
      this.cycle++;
      const opcode = (this.dataBus = at >= 0 ? memory[at + (pc & 127)] : bus.read(pc));
      pc = (pc + 1) & 0xffff;
      const mode = MODE[opcode];
      let operand = 0;
      if (mode !== OWN) {
        at = pages[pc >> 7];
        this.cycle++;
        operand = this.dataBus = at >= 0 ? memory[at + (pc & 127)] : bus.read(pc);
        if (mode !== IMP) pc = (pc + 1) & 0xffff; // implied: a dummy read of the next byte
      }
      let base = operand;
      if (mode >= ABS && mode <= ABY_W) {
        at = pages[pc >> 7];
        this.cycle++;
        base |= (this.dataBus = at >= 0 ? memory[at + (pc & 127)] : bus.read(pc)) << 8;
        pc = (pc + 1) & 0xffff;
      }
      let address = base;
      switch (mode) {
        case ZPX: this.read(base); address = (base + this.x) & 0xff; break; // reads the unindexed address while it adds
        case ZPY: this.read(base); address = (base + this.y) & 0xff; break;
        // Indexed reads take the extra (dummy) cycle only when the index crosses a page; writes always.
        case ABX_R:
          address = (base + this.x) & 0xffff;
          if ((base & 0xff) + this.x > 0xff) this.read((base & 0xff00) | (address & 0xff));
          break;
        case ABY_R:
          address = (base + this.y) & 0xffff;
          if ((base & 0xff) + this.y > 0xff) this.read((base & 0xff00) | (address & 0xff));
          break;
        case ABX_W: address = (base + this.x) & 0xffff; this.read((base & 0xff00) | (address & 0xff)); break;
        case ABY_W: address = (base + this.y) & 0xffff; this.read((base & 0xff00) | (address & 0xff)); break;
        case IZX: {
          this.read(base);
          const pointer = (base + this.x) & 0xff;
          address = this.read(pointer) | (this.read((pointer + 1) & 0xff) << 8);
          break;
        }
        case IZY_R: case IZY_W: {
          base = this.read(operand) | (this.read((operand + 1) & 0xff) << 8);
          address = (base + this.y) & 0xffff;
          if ((base & 0xff) + this.y > 0xff || mode === IZY_W) this.read((base & 0xff00) | (address & 0xff));
          break;
        }
        // IMP, IMM, ZP, ABS: nothing more; OWN: the operation makes its own cycles
      }
      let value = operand;
      if (READS[opcode] && mode !== IMM) {
        at = pages[address >> 7];
        this.cycle++;
        value = this.dataBus = at >= 0 ? memory[at + (address & 127)] : bus.read(address);
      }
      switch (opcode) {
        // ---- loads
        case 0xa9: case 0xa5: case 0xb5: case 0xad: case 0xbd: case 0xb9: case 0xa1: case 0xb1:
          this.a = this.nResult = this.zResult = value; break;
        case 0xa2: case 0xa6: case 0xb6: case 0xae: case 0xbe:
          this.x = this.nResult = this.zResult = value; break;
        case 0xa0: case 0xa4: case 0xb4: case 0xac: case 0xbc:
          this.y = this.nResult = this.zResult = value; break;
        // ---- stores
        case 0x85: case 0x95: case 0x8d: case 0x9d: case 0x99: case 0x81: case 0x91: this.write(address, this.a); break;
        case 0x86: case 0x96: case 0x8e: this.write(address, this.x); break;
        case 0x84: case 0x94: case 0x8c: this.write(address, this.y); break;
        // ---- ALU with the accumulator: ORA AND EOR ADC CMP SBC, compares, BIT
        case 0x09: case 0x05: case 0x15: case 0x0d: case 0x1d: case 0x19: case 0x01: case 0x11:
          this.a = this.nResult = this.zResult = this.a | value; break;
        case 0x29: case 0x25: case 0x35: case 0x2d: case 0x3d: case 0x39: case 0x21: case 0x31:
          this.a = this.nResult = this.zResult = this.a & value; break;
        case 0x49: case 0x45: case 0x55: case 0x4d: case 0x5d: case 0x59: case 0x41: case 0x51:
          this.a = this.nResult = this.zResult = this.a ^ value; break;
        case 0x69: case 0x65: case 0x75: case 0x6d: case 0x7d: case 0x79: case 0x61: case 0x71:
          this.adc(value); break;
        case 0xe9: case 0xeb: case 0xe5: case 0xf5: case 0xed: case 0xfd: case 0xf9: case 0xe1: case 0xf1:
          this.sbc(value); break;
        case 0xc9: case 0xc5: case 0xd5: case 0xcd: case 0xdd: case 0xd9: case 0xc1: case 0xd1:
          value = this.a - value; this.carry = value >= 0 ? 1 : 0; this.nResult = this.zResult = value & 0xff; break;
        case 0xe0: case 0xe4: case 0xec:
          value = this.x - value; this.carry = value >= 0 ? 1 : 0; this.nResult = this.zResult = value & 0xff; break;
        case 0xc0: case 0xc4: case 0xcc:
          value = this.y - value; this.carry = value >= 0 ? 1 : 0; this.nResult = this.zResult = value & 0xff; break;
        case 0x24: case 0x2c:
          this.nResult = value; this.overflow = (value >> 6) & 1; this.zResult = value & this.a; break;
        // ---- shifts of the accumulator
        case 0x0a: value = this.a; this.carry = value >> 7; this.a = this.nResult = this.zResult = (value << 1) & 0xff; break;
        case 0x4a: value = this.a; this.carry = value & 1; this.a = this.nResult = this.zResult = value >> 1; break;
        case 0x2a: value = this.a; this.a = this.nResult = this.zResult = ((value << 1) & 0xff) | this.carry; this.carry = value >> 7; break;
        case 0x6a: value = this.a; this.a = this.nResult = this.zResult = (value >> 1) | (this.carry << 7); this.carry = value & 1; break;
        // ---- read-modify-writes: read, write the old value back (the NMOS chip does), write the new one
        case 0x06: case 0x16: case 0x0e: case 0x1e:
          this.write(address, value);
          this.carry = value >> 7; value = (value << 1) & 0xff; this.nResult = this.zResult = value; this.write(address, value); break;
        case 0x46: case 0x56: case 0x4e: case 0x5e:
          this.write(address, value);
          this.carry = value & 1; value >>= 1; this.nResult = this.zResult = value; this.write(address, value); break;
        case 0x26: case 0x36: case 0x2e: case 0x3e: {
          const old = value; this.write(address, old);
          value = ((old << 1) & 0xff) | this.carry; this.carry = old >> 7; this.nResult = this.zResult = value; this.write(address, value); break;
        }
        case 0x66: case 0x76: case 0x6e: case 0x7e: {
          const old = value; this.write(address, old);
          value = (old >> 1) | (this.carry << 7); this.carry = old & 1; this.nResult = this.zResult = value; this.write(address, value); break;
        }
        case 0xe6: case 0xf6: case 0xee: case 0xfe:
          this.write(address, value);
          value = (value + 1) & 0xff; this.nResult = this.zResult = value; this.write(address, value); break;
        case 0xc6: case 0xd6: case 0xce: case 0xde:
          this.write(address, value);
          value = (value - 1) & 0xff; this.nResult = this.zResult = value; this.write(address, value); break;
        // ---- register transfers, increments, flags
        case 0xaa: this.x = this.nResult = this.zResult = this.a; break;
        case 0xa8: this.y = this.nResult = this.zResult = this.a; break;
        case 0x8a: this.a = this.nResult = this.zResult = this.x; break;
        case 0x98: this.a = this.nResult = this.zResult = this.y; break;
        case 0xba: this.x = this.nResult = this.zResult = this.s; break;
        case 0x9a: this.s = this.x; break;
        case 0xe8: this.x = this.nResult = this.zResult = (this.x + 1) & 0xff; break;
        case 0xc8: this.y = this.nResult = this.zResult = (this.y + 1) & 0xff; break;
        case 0xca: this.x = this.nResult = this.zResult = (this.x - 1) & 0xff; break;
        case 0x88: this.y = this.nResult = this.zResult = (this.y - 1) & 0xff; break;
        case 0x18: this.carry = 0; break;
        case 0x38: this.carry = 1; break;
        case 0x58: this.interruptDisable = 0; break;
        case 0x78: this.interruptDisable = 1; break;
        case 0xd8: this.decimal = 0; break;
        case 0xf8: this.decimal = 1; break;
        case 0xb8: this.overflow = 0; break;
        case 0xea: case 0x1a: case 0x3a: case 0x5a: case 0x7a: case 0xda: case 0xfa: break;
        // ---- branches: the offset, then one cycle if taken and one more if the target is on another page
        case 0x10: case 0x30: case 0x50: case 0x70: case 0x90: case 0xb0: case 0xd0: case 0xf0: {
          const offset = operand;
          // Bits 7-6 pick the flag (N V C Z), bit 5 the value that takes the branch.
          let flag: boolean;
          switch (opcode >> 6) {
            case 0: flag = (this.nResult & 0x80) !== 0; break;
            case 1: flag = this.overflow !== 0; break;
            case 2: flag = this.carry !== 0; break;
            default: flag = this.zResult === 0;
          }
          if (flag !== ((opcode & 0x20) !== 0)) break;
          this.read(pc);
          const target = (pc + ((offset << 24) >> 24)) & 0xffff;
          const crossed = (target ^ pc) & 0xff00;
          if (crossed) this.read((pc & 0xff00) | (target & 0xff));
          // BNE back over an LDA abs: perhaps the loop that waits for the timer.
          if (offset === 0xfb && opcode === 0xd0) this.skipWaitLoop(target, crossed ? 8 : 7);
          pc = target;
          break;
        }
        // ---- jumps, subroutines, stack
        case 0x4c: pc = address; break;
        case 0x6c: pc = this.read(address) | (this.read((address & 0xff00) | ((address + 1) & 0xff)) << 8); break; // the page-wrap bug
        case 0x20: {
          const lo = operand;
          this.read(0x100 | this.s);
          this.write(0x100 | this.s, pc >> 8); this.s = (this.s - 1) & 0xff;
          this.write(0x100 | this.s, pc & 0xff); this.s = (this.s - 1) & 0xff;
          pc = lo | (this.read(pc) << 8);
          break;
        }
        case 0x60: {
          this.read(0x100 | this.s);
          this.s = (this.s + 1) & 0xff;
          const lo = this.read(0x100 | this.s);
          this.s = (this.s + 1) & 0xff;
          const target = lo | (this.read(0x100 | this.s) << 8);
          this.read(target);
          pc = (target + 1) & 0xffff;
          break;
        }
        case 0x40: {
          this.read(0x100 | this.s);
          this.s = (this.s + 1) & 0xff;
          this.p = this.read(0x100 | this.s);
          this.s = (this.s + 1) & 0xff;
          const lo = this.read(0x100 | this.s);
          this.s = (this.s + 1) & 0xff;
          pc = lo | (this.read(0x100 | this.s) << 8);
          break;
        }
        case 0x00: // BRK: skips a padding byte (read as an immediate operand)
          this.write(0x100 | this.s, pc >> 8); this.s = (this.s - 1) & 0xff;
          this.write(0x100 | this.s, pc & 0xff); this.s = (this.s - 1) & 0xff;
          this.write(0x100 | this.s, this.p); this.s = (this.s - 1) & 0xff;
          this.interruptDisable = 1;
          pc = this.read(0xfffe) | (this.read(0xffff) << 8);
          break;
        case 0x48: this.write(0x100 | this.s, this.a); this.s = (this.s - 1) & 0xff; break;
        case 0x08: this.write(0x100 | this.s, this.p); this.s = (this.s - 1) & 0xff; break;
        case 0x68: this.read(0x100 | this.s); this.s = (this.s + 1) & 0xff; this.a = this.nResult = this.zResult = this.read(0x100 | this.s); break;
        case 0x28: this.read(0x100 | this.s); this.s = (this.s + 1) & 0xff; this.p = this.read(0x100 | this.s); break;
        // ---- undocumented NOPs (they read their operand like a load would)
        case 0x80: case 0x82: case 0x89: case 0xc2: case 0xe2: case 0x04: case 0x44: case 0x64:
        case 0x14: case 0x34: case 0x54: case 0x74: case 0xd4: case 0xf4: case 0x0c:
        case 0x1c: case 0x3c: case 0x5c: case 0x7c: case 0xdc: case 0xfc:
          break;
        // ---- LAX, SAX, LAS
        case 0xa7: case 0xb7: case 0xaf: case 0xbf: case 0xa3: case 0xb3:
          this.a = this.x = this.nResult = this.zResult = value; break;
        case 0x87: case 0x97: case 0x8f: case 0x83: this.write(address, this.a & this.x); break;
        case 0xbb: this.a = this.x = this.s = this.nResult = this.zResult = this.s & value; break;
        // ---- immediate undocumented: ANC ALR ARR SBX ANE LXA
        case 0x0b: case 0x2b: this.a = this.nResult = this.zResult = this.a & value; this.carry = this.a >> 7; break;
        case 0x4b: value &= this.a; this.carry = value & 1; this.a = this.nResult = this.zResult = value >> 1; break;
        case 0x6b: this.arr(value); break;
        case 0xcb: value = (this.a & this.x) - value; this.carry = value >= 0 ? 1 : 0; this.x = this.nResult = this.zResult = value & 0xff; break;
        case 0x8b: this.a = this.nResult = this.zResult = this.x & value; break; // ANE with magic 0xFF: (A | 0xFF) & X & imm
        case 0xab: this.a = this.x = this.nResult = this.zResult = this.a & value; break; // LXA with magic 0xFF
        // ---- undocumented read-modify-writes: SLO RLA SRE RRA DCP ISB
        case 0x07: case 0x17: case 0x0f: case 0x1f: case 0x1b: case 0x03: case 0x13:
          this.write(address, value);
          this.carry = value >> 7; value = (value << 1) & 0xff; this.write(address, value);
          this.a = this.nResult = this.zResult = this.a | value; break;
        case 0x27: case 0x37: case 0x2f: case 0x3f: case 0x3b: case 0x23: case 0x33: {
          const old = value; this.write(address, old);
          value = ((old << 1) & 0xff) | this.carry; this.carry = old >> 7; this.write(address, value);
          this.a = this.nResult = this.zResult = this.a & value; break;
        }
        case 0x47: case 0x57: case 0x4f: case 0x5f: case 0x5b: case 0x43: case 0x53:
          this.write(address, value);
          this.carry = value & 1; value >>= 1; this.write(address, value);
          this.a = this.nResult = this.zResult = this.a ^ value; break;
        case 0x67: case 0x77: case 0x6f: case 0x7f: case 0x7b: case 0x63: case 0x73: {
          const old = value; this.write(address, old);
          value = (old >> 1) | (this.carry << 7); this.carry = old & 1; this.write(address, value);
          this.adc(value); break;
        }
        case 0xc7: case 0xd7: case 0xcf: case 0xdf: case 0xdb: case 0xc3: case 0xd3:
          this.write(address, value);
          value = (value - 1) & 0xff; this.write(address, value);
          value = this.a - value; this.carry = value >= 0 ? 1 : 0; this.nResult = this.zResult = value & 0xff; break;
        case 0xe7: case 0xf7: case 0xef: case 0xff: case 0xfb: case 0xe3: case 0xf3:
          this.write(address, value);
          value = (value + 1) & 0xff; this.write(address, value);
          this.sbc(value); break;
        // ---- unstable stores
        case 0x93: pc = this.storeHigh(pc, true, this.y, this.a & this.x); break;
        case 0x9f: pc = this.storeHigh(pc, false, this.y, this.a & this.x); break;
        case 0x9e: pc = this.storeHigh(pc, false, this.y, this.x); break;
        case 0x9c: pc = this.storeHigh(pc, false, this.x, this.y); break;
        case 0x9b: this.s = this.a & this.x; pc = this.storeHigh(pc, false, this.y, this.s); break;
        // ---- the rest jam the CPU: 02 12 22 32 42 52 62 72 92 B2 D2 F2
        default:
          this.jammed = true;
          this.jamOpcode = opcode;
          this.pc = (pc - 1) & 0xffff;
          return;
      }
    }
    this.pc = pc;
  }
}

// Addressing modes. IMP: the implied/accumulator dummy read; IMM: the operand's own address;
// _R/_W: indexed reads (a dummy cycle on page crossings only) and writes or read-modify-writes
// (always); OWN: the operation makes its own cycles (JAM, the unstable stores).
const IMP = 0, IMM = 1, ZP = 2, ZPX = 3, ZPY = 4, ABS = 5, ABX_R = 6, ABY_R = 7, ABX_W = 8, ABY_W = 9, IZX = 10, IZY_R = 11, IZY_W = 12, OWN = 13;

/** The opcodes whose operation starts by reading its operand (`run` reads it for them). */
const READS = new Uint8Array(256);

/** The addressing mode of each opcode; rows are $x0-$xF (branches, JSR and BRK read an immediate). */
const MODE = Uint8Array.from([
  'imm izx own izx zp  zp  zp  zp  imp imm imp imm abs abs abs abs', // 0x
  'imm izr own izw zpx zpx zpx zpx imp ayr imp ayw axr axr axw axw', // 1x
  'imm izx own izx zp  zp  zp  zp  imp imm imp imm abs abs abs abs', // 2x
  'imm izr own izw zpx zpx zpx zpx imp ayr imp ayw axr axr axw axw', // 3x
  'imp izx own izx zp  zp  zp  zp  imp imm imp imm abs abs abs abs', // 4x
  'imm izr own izw zpx zpx zpx zpx imp ayr imp ayw axr axr axw axw', // 5x
  'imp izx own izx zp  zp  zp  zp  imp imm imp imm abs abs abs abs', // 6x
  'imm izr own izw zpx zpx zpx zpx imp ayr imp ayw axr axr axw axw', // 7x
  'imm izx imm izx zp  zp  zp  zp  imp imm imp imm abs abs abs abs', // 8x
  'imm izw own own zpx zpx zpy zpy imp ayw imp own own axw own own', // 9x
  'imm izx imm izx zp  zp  zp  zp  imp imm imp imm abs abs abs abs', // Ax
  'imm izr own izr zpx zpx zpy zpy imp ayr imp ayr axr axr ayr ayr', // Bx
  'imm izx imm izx zp  zp  zp  zp  imp imm imp imm abs abs abs abs', // Cx
  'imm izr own izw zpx zpx zpx zpx imp ayr imp ayw axr axr axw axw', // Dx
  'imm izx imm izx zp  zp  zp  zp  imp imm imp imm abs abs abs abs', // Ex
  'imm izr own izw zpx zpx zpx zpx imp ayr imp ayw axr axr axw axw', // Fx
].flatMap((row) => row.split(/ +/).map((name) => {
  const modes: Record<string, number> = { imp: IMP, imm: IMM, zp: ZP, zpx: ZPX, zpy: ZPY, abs: ABS, axr: ABX_R, ayr: ABY_R, axw: ABX_W, ayw: ABY_W, izx: IZX, izr: IZY_R, izw: IZY_W, own: OWN };
  return modes[name];
})));

{
  // Everything that addresses memory reads it first, except the stores, jumps, JSR and BRK.
  const noRead = [0x85, 0x95, 0x8d, 0x9d, 0x99, 0x81, 0x91, 0x86, 0x96, 0x8e, 0x84, 0x94, 0x8c, 0x87, 0x97, 0x8f, 0x83, 0x4c, 0x6c, 0x20, 0x00];
  for (let opcode = 0; opcode < 256; opcode++) READS[opcode] = MODE[opcode] !== IMP && MODE[opcode] !== OWN && !noRead.includes(opcode) ? 1 : 0;
}
