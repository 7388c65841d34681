/**
 * The 6507 (an NMOS 6502 with 13 address lines) of our Atari 2600 core.
 *
 * One `step()` runs one whole instruction, but it makes exactly the bus accesses the chip makes,
 * in order, dummy reads and writes included: one access is one CPU cycle. The bus counts the
 * cycles, so a TIA or RIOT register write happens at the cycle it happens on hardware, and
 * hot-spot reads of bank-switching cartridges see the same addresses as on hardware.
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
}

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

  constructor(private readonly bus: CpuBus) {}

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
    const bus = this.bus;
    this.jammed = false;
    bus.read(0xff); bus.read(0xff); bus.read(0x100);
    bus.read(0x1ff); bus.read(0x1fe); this.s = 0xfd;
    this.interruptDisable = 1;
    const lo = bus.read(0xfffc);
    this.pc = lo | (bus.read(0xfffd) << 8);
  }

  saveState(): CpuState {
    return { a: this.a, x: this.x, y: this.y, s: this.s, pc: this.pc, p: this.p, jammed: this.jammed };
  }

  loadState(state: CpuState): void {
    this.a = state.a; this.x = state.x; this.y = state.y; this.s = state.s; this.pc = state.pc;
    this.p = state.p; this.jammed = state.jammed;
  }

  // ---- addressing: each returns an effective address (or operand) after the mode's bus cycles

  private fetch(): number {
    const value = this.bus.read(this.pc);
    this.pc = (this.pc + 1) & 0xffff;
    return value;
  }

  private zeroPageIndexed(index: number): number {
    const base = this.fetch();
    this.bus.read(base); // the chip reads the unindexed address while it adds
    return (base + index) & 0xff;
  }

  private absolute(): number {
    const lo = this.fetch();
    return lo | (this.fetch() << 8);
  }

  /** Absolute indexed for reads: one extra (dummy) cycle only when the index crosses a page. */
  private indexedRead(base: number, index: number): number {
    const address = (base + index) & 0xffff;
    if ((base & 0xff) + index > 0xff) this.bus.read((base & 0xff00) | (address & 0xff));
    return address;
  }

  /** Absolute indexed for writes and read-modify-writes: the dummy cycle is always there. */
  private indexedWrite(base: number, index: number): number {
    const address = (base + index) & 0xffff;
    this.bus.read((base & 0xff00) | (address & 0xff));
    return address;
  }

  private indirectX(): number {
    const pointer = this.zeroPageIndexed(this.x);
    const lo = this.bus.read(pointer);
    return lo | (this.bus.read((pointer + 1) & 0xff) << 8);
  }

  /** The (zp),Y base before indexing. */
  private indirectBase(): number {
    const pointer = this.fetch();
    const lo = this.bus.read(pointer);
    return lo | (this.bus.read((pointer + 1) & 0xff) << 8);
  }

  /** Read-modify-write: read, write the old value back (the NMOS chip does), return it. */
  private modify(address: number): number {
    const value = this.bus.read(address);
    this.bus.write(address, value);
    return value;
  }

  // ---- operations

  private nz(value: number): void {
    this.nResult = value;
    this.zResult = value;
  }

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
      this.a = result;
      this.nz(result);
    }
  }

  private sbc(value: number): void {
    const a = this.a;
    const borrow = 1 - this.carry;
    const diff = a - value - borrow;
    const result = diff & 0xff;
    this.overflow = (a ^ value) & (a ^ result) & 0x80 ? 1 : 0;
    this.nz(result);
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

  private compare(register: number, value: number): void {
    const diff = register - value;
    this.carry = diff >= 0 ? 1 : 0;
    this.nz(diff & 0xff);
  }

  private asl(value: number): number {
    this.carry = value >> 7;
    const result = (value << 1) & 0xff;
    this.nz(result);
    return result;
  }

  private lsr(value: number): number {
    this.carry = value & 1;
    const result = value >> 1;
    this.nz(result);
    return result;
  }

  private rol(value: number): number {
    const result = ((value << 1) & 0xff) | this.carry;
    this.carry = value >> 7;
    this.nz(result);
    return result;
  }

  private ror(value: number): number {
    const result = (value >> 1) | (this.carry << 7);
    this.carry = value & 1;
    this.nz(result);
    return result;
  }

  private bit(value: number): void {
    this.nResult = value;
    this.overflow = (value >> 6) & 1;
    this.zResult = value & this.a;
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
      this.a = result;
      this.nz(result);
      this.carry = (result >> 6) & 1;
      this.overflow = ((result >> 6) ^ (result >> 5)) & 1;
    }
  }

  private push(value: number): void {
    this.bus.write(0x100 | this.s, value);
    this.s = (this.s - 1) & 0xff;
  }

  private branch(taken: boolean): void {
    const offset = this.fetch();
    if (!taken) return;
    const bus = this.bus;
    bus.read(this.pc);
    const target = (this.pc + ((offset << 24) >> 24)) & 0xffff;
    if ((target ^ this.pc) & 0xff00) bus.read((this.pc & 0xff00) | (target & 0xff));
    this.pc = target;
  }

  /** SHA/SHX/SHY/TAS: store value & (high byte of the base + 1); on a page cross the high byte is garbled too. */
  private storeHigh(base: number, index: number, value: number): void {
    const address = this.indexedWrite(base, index);
    const stored = value & (((base >> 8) + 1) & 0xff);
    const crossed = (base & 0xff) + index > 0xff;
    this.bus.write(crossed ? (address & 0xff) | (stored << 8) : address, stored);
  }

  private jam(opcode: number): void {
    this.jammed = true;
    this.jamOpcode = opcode;
    this.pc = (this.pc - 1) & 0xffff;
  }

  /** Runs one instruction. */
  step(): void {
    if (this.jammed) { this.bus.read(this.pc); return; }
    const bus = this.bus;
    const opcode = this.fetch();
    let address = 0;
    let value = 0;
    switch (opcode) {
      // ---- loads
      case 0xa9: this.nz(this.a = this.fetch()); break;
      case 0xa5: this.nz(this.a = bus.read(this.fetch())); break;
      case 0xb5: this.nz(this.a = bus.read(this.zeroPageIndexed(this.x))); break;
      case 0xad: this.nz(this.a = bus.read(this.absolute())); break;
      case 0xbd: this.nz(this.a = bus.read(this.indexedRead(this.absolute(), this.x))); break;
      case 0xb9: this.nz(this.a = bus.read(this.indexedRead(this.absolute(), this.y))); break;
      case 0xa1: this.nz(this.a = bus.read(this.indirectX())); break;
      case 0xb1: this.nz(this.a = bus.read(this.indexedRead(this.indirectBase(), this.y))); break;
      case 0xa2: this.nz(this.x = this.fetch()); break;
      case 0xa6: this.nz(this.x = bus.read(this.fetch())); break;
      case 0xb6: this.nz(this.x = bus.read(this.zeroPageIndexed(this.y))); break;
      case 0xae: this.nz(this.x = bus.read(this.absolute())); break;
      case 0xbe: this.nz(this.x = bus.read(this.indexedRead(this.absolute(), this.y))); break;
      case 0xa0: this.nz(this.y = this.fetch()); break;
      case 0xa4: this.nz(this.y = bus.read(this.fetch())); break;
      case 0xb4: this.nz(this.y = bus.read(this.zeroPageIndexed(this.x))); break;
      case 0xac: this.nz(this.y = bus.read(this.absolute())); break;
      case 0xbc: this.nz(this.y = bus.read(this.indexedRead(this.absolute(), this.x))); break;
      // ---- stores
      case 0x85: bus.write(this.fetch(), this.a); break;
      case 0x95: bus.write(this.zeroPageIndexed(this.x), this.a); break;
      case 0x8d: bus.write(this.absolute(), this.a); break;
      case 0x9d: bus.write(this.indexedWrite(this.absolute(), this.x), this.a); break;
      case 0x99: bus.write(this.indexedWrite(this.absolute(), this.y), this.a); break;
      case 0x81: bus.write(this.indirectX(), this.a); break;
      case 0x91: bus.write(this.indexedWrite(this.indirectBase(), this.y), this.a); break;
      case 0x86: bus.write(this.fetch(), this.x); break;
      case 0x96: bus.write(this.zeroPageIndexed(this.y), this.x); break;
      case 0x8e: bus.write(this.absolute(), this.x); break;
      case 0x84: bus.write(this.fetch(), this.y); break;
      case 0x94: bus.write(this.zeroPageIndexed(this.x), this.y); break;
      case 0x8c: bus.write(this.absolute(), this.y); break;
      // ---- ALU with the accumulator: ORA AND EOR ADC CMP SBC (8 modes each)
      case 0x09: this.nz(this.a |= this.fetch()); break;
      case 0x05: this.nz(this.a |= bus.read(this.fetch())); break;
      case 0x15: this.nz(this.a |= bus.read(this.zeroPageIndexed(this.x))); break;
      case 0x0d: this.nz(this.a |= bus.read(this.absolute())); break;
      case 0x1d: this.nz(this.a |= bus.read(this.indexedRead(this.absolute(), this.x))); break;
      case 0x19: this.nz(this.a |= bus.read(this.indexedRead(this.absolute(), this.y))); break;
      case 0x01: this.nz(this.a |= bus.read(this.indirectX())); break;
      case 0x11: this.nz(this.a |= bus.read(this.indexedRead(this.indirectBase(), this.y))); break;
      case 0x29: this.nz(this.a &= this.fetch()); break;
      case 0x25: this.nz(this.a &= bus.read(this.fetch())); break;
      case 0x35: this.nz(this.a &= bus.read(this.zeroPageIndexed(this.x))); break;
      case 0x2d: this.nz(this.a &= bus.read(this.absolute())); break;
      case 0x3d: this.nz(this.a &= bus.read(this.indexedRead(this.absolute(), this.x))); break;
      case 0x39: this.nz(this.a &= bus.read(this.indexedRead(this.absolute(), this.y))); break;
      case 0x21: this.nz(this.a &= bus.read(this.indirectX())); break;
      case 0x31: this.nz(this.a &= bus.read(this.indexedRead(this.indirectBase(), this.y))); break;
      case 0x49: this.nz(this.a ^= this.fetch()); break;
      case 0x45: this.nz(this.a ^= bus.read(this.fetch())); break;
      case 0x55: this.nz(this.a ^= bus.read(this.zeroPageIndexed(this.x))); break;
      case 0x4d: this.nz(this.a ^= bus.read(this.absolute())); break;
      case 0x5d: this.nz(this.a ^= bus.read(this.indexedRead(this.absolute(), this.x))); break;
      case 0x59: this.nz(this.a ^= bus.read(this.indexedRead(this.absolute(), this.y))); break;
      case 0x41: this.nz(this.a ^= bus.read(this.indirectX())); break;
      case 0x51: this.nz(this.a ^= bus.read(this.indexedRead(this.indirectBase(), this.y))); break;
      case 0x69: this.adc(this.fetch()); break;
      case 0x65: this.adc(bus.read(this.fetch())); break;
      case 0x75: this.adc(bus.read(this.zeroPageIndexed(this.x))); break;
      case 0x6d: this.adc(bus.read(this.absolute())); break;
      case 0x7d: this.adc(bus.read(this.indexedRead(this.absolute(), this.x))); break;
      case 0x79: this.adc(bus.read(this.indexedRead(this.absolute(), this.y))); break;
      case 0x61: this.adc(bus.read(this.indirectX())); break;
      case 0x71: this.adc(bus.read(this.indexedRead(this.indirectBase(), this.y))); break;
      case 0xc9: this.compare(this.a, this.fetch()); break;
      case 0xc5: this.compare(this.a, bus.read(this.fetch())); break;
      case 0xd5: this.compare(this.a, bus.read(this.zeroPageIndexed(this.x))); break;
      case 0xcd: this.compare(this.a, bus.read(this.absolute())); break;
      case 0xdd: this.compare(this.a, bus.read(this.indexedRead(this.absolute(), this.x))); break;
      case 0xd9: this.compare(this.a, bus.read(this.indexedRead(this.absolute(), this.y))); break;
      case 0xc1: this.compare(this.a, bus.read(this.indirectX())); break;
      case 0xd1: this.compare(this.a, bus.read(this.indexedRead(this.indirectBase(), this.y))); break;
      case 0xe9: case 0xeb: this.sbc(this.fetch()); break;
      case 0xe5: this.sbc(bus.read(this.fetch())); break;
      case 0xf5: this.sbc(bus.read(this.zeroPageIndexed(this.x))); break;
      case 0xed: this.sbc(bus.read(this.absolute())); break;
      case 0xfd: this.sbc(bus.read(this.indexedRead(this.absolute(), this.x))); break;
      case 0xf9: this.sbc(bus.read(this.indexedRead(this.absolute(), this.y))); break;
      case 0xe1: this.sbc(bus.read(this.indirectX())); break;
      case 0xf1: this.sbc(bus.read(this.indexedRead(this.indirectBase(), this.y))); break;
      case 0xe0: this.compare(this.x, this.fetch()); break;
      case 0xe4: this.compare(this.x, bus.read(this.fetch())); break;
      case 0xec: this.compare(this.x, bus.read(this.absolute())); break;
      case 0xc0: this.compare(this.y, this.fetch()); break;
      case 0xc4: this.compare(this.y, bus.read(this.fetch())); break;
      case 0xcc: this.compare(this.y, bus.read(this.absolute())); break;
      case 0x24: this.bit(bus.read(this.fetch())); break;
      case 0x2c: this.bit(bus.read(this.absolute())); break;
      // ---- shifts and increments: accumulator and read-modify-write
      case 0x0a: bus.read(this.pc); this.a = this.asl(this.a); break;
      case 0x4a: bus.read(this.pc); this.a = this.lsr(this.a); break;
      case 0x2a: bus.read(this.pc); this.a = this.rol(this.a); break;
      case 0x6a: bus.read(this.pc); this.a = this.ror(this.a); break;
      case 0x06: address = this.fetch(); bus.write(address, this.asl(this.modify(address))); break;
      case 0x16: address = this.zeroPageIndexed(this.x); bus.write(address, this.asl(this.modify(address))); break;
      case 0x0e: address = this.absolute(); bus.write(address, this.asl(this.modify(address))); break;
      case 0x1e: address = this.indexedWrite(this.absolute(), this.x); bus.write(address, this.asl(this.modify(address))); break;
      case 0x46: address = this.fetch(); bus.write(address, this.lsr(this.modify(address))); break;
      case 0x56: address = this.zeroPageIndexed(this.x); bus.write(address, this.lsr(this.modify(address))); break;
      case 0x4e: address = this.absolute(); bus.write(address, this.lsr(this.modify(address))); break;
      case 0x5e: address = this.indexedWrite(this.absolute(), this.x); bus.write(address, this.lsr(this.modify(address))); break;
      case 0x26: address = this.fetch(); bus.write(address, this.rol(this.modify(address))); break;
      case 0x36: address = this.zeroPageIndexed(this.x); bus.write(address, this.rol(this.modify(address))); break;
      case 0x2e: address = this.absolute(); bus.write(address, this.rol(this.modify(address))); break;
      case 0x3e: address = this.indexedWrite(this.absolute(), this.x); bus.write(address, this.rol(this.modify(address))); break;
      case 0x66: address = this.fetch(); bus.write(address, this.ror(this.modify(address))); break;
      case 0x76: address = this.zeroPageIndexed(this.x); bus.write(address, this.ror(this.modify(address))); break;
      case 0x6e: address = this.absolute(); bus.write(address, this.ror(this.modify(address))); break;
      case 0x7e: address = this.indexedWrite(this.absolute(), this.x); bus.write(address, this.ror(this.modify(address))); break;
      case 0xe6: address = this.fetch(); value = (this.modify(address) + 1) & 0xff; this.nz(value); bus.write(address, value); break;
      case 0xf6: address = this.zeroPageIndexed(this.x); value = (this.modify(address) + 1) & 0xff; this.nz(value); bus.write(address, value); break;
      case 0xee: address = this.absolute(); value = (this.modify(address) + 1) & 0xff; this.nz(value); bus.write(address, value); break;
      case 0xfe: address = this.indexedWrite(this.absolute(), this.x); value = (this.modify(address) + 1) & 0xff; this.nz(value); bus.write(address, value); break;
      case 0xc6: address = this.fetch(); value = (this.modify(address) - 1) & 0xff; this.nz(value); bus.write(address, value); break;
      case 0xd6: address = this.zeroPageIndexed(this.x); value = (this.modify(address) - 1) & 0xff; this.nz(value); bus.write(address, value); break;
      case 0xce: address = this.absolute(); value = (this.modify(address) - 1) & 0xff; this.nz(value); bus.write(address, value); break;
      case 0xde: address = this.indexedWrite(this.absolute(), this.x); value = (this.modify(address) - 1) & 0xff; this.nz(value); bus.write(address, value); break;
      // ---- register transfers, increments, flags (2 cycles: the second is a dummy read of the next byte)
      case 0xaa: bus.read(this.pc); this.nz(this.x = this.a); break;
      case 0xa8: bus.read(this.pc); this.nz(this.y = this.a); break;
      case 0x8a: bus.read(this.pc); this.nz(this.a = this.x); break;
      case 0x98: bus.read(this.pc); this.nz(this.a = this.y); break;
      case 0xba: bus.read(this.pc); this.nz(this.x = this.s); break;
      case 0x9a: bus.read(this.pc); this.s = this.x; break;
      case 0xe8: bus.read(this.pc); this.nz(this.x = (this.x + 1) & 0xff); break;
      case 0xc8: bus.read(this.pc); this.nz(this.y = (this.y + 1) & 0xff); break;
      case 0xca: bus.read(this.pc); this.nz(this.x = (this.x - 1) & 0xff); break;
      case 0x88: bus.read(this.pc); this.nz(this.y = (this.y - 1) & 0xff); break;
      case 0x18: bus.read(this.pc); this.carry = 0; break;
      case 0x38: bus.read(this.pc); this.carry = 1; break;
      case 0x58: bus.read(this.pc); this.interruptDisable = 0; break;
      case 0x78: bus.read(this.pc); this.interruptDisable = 1; break;
      case 0xd8: bus.read(this.pc); this.decimal = 0; break;
      case 0xf8: bus.read(this.pc); this.decimal = 1; break;
      case 0xb8: bus.read(this.pc); this.overflow = 0; break;
      case 0xea: case 0x1a: case 0x3a: case 0x5a: case 0x7a: case 0xda: case 0xfa: bus.read(this.pc); break;
      // ---- branches
      case 0x10: this.branch((this.nResult & 0x80) === 0); break;
      case 0x30: this.branch((this.nResult & 0x80) !== 0); break;
      case 0x50: this.branch(this.overflow === 0); break;
      case 0x70: this.branch(this.overflow !== 0); break;
      case 0x90: this.branch(this.carry === 0); break;
      case 0xb0: this.branch(this.carry !== 0); break;
      case 0xd0: this.branch(this.zResult !== 0); break;
      case 0xf0: this.branch(this.zResult === 0); break;
      // ---- jumps, subroutines, stack
      case 0x4c: this.pc = this.absolute(); break;
      case 0x6c: {
        const pointer = this.absolute();
        const lo = bus.read(pointer);
        this.pc = lo | (bus.read((pointer & 0xff00) | ((pointer + 1) & 0xff)) << 8); // the page-wrap bug
        break;
      }
      case 0x20: {
        const lo = this.fetch();
        bus.read(0x100 | this.s);
        this.push(this.pc >> 8);
        this.push(this.pc & 0xff);
        this.pc = lo | (bus.read(this.pc) << 8);
        break;
      }
      case 0x60: {
        bus.read(this.pc);
        bus.read(0x100 | this.s);
        this.s = (this.s + 1) & 0xff;
        const lo = bus.read(0x100 | this.s);
        this.s = (this.s + 1) & 0xff;
        const hi = bus.read(0x100 | this.s);
        bus.read(lo | (hi << 8));
        this.pc = ((lo | (hi << 8)) + 1) & 0xffff;
        break;
      }
      case 0x40: {
        bus.read(this.pc);
        bus.read(0x100 | this.s);
        this.s = (this.s + 1) & 0xff;
        this.p = bus.read(0x100 | this.s);
        this.s = (this.s + 1) & 0xff;
        const lo = bus.read(0x100 | this.s);
        this.s = (this.s + 1) & 0xff;
        this.pc = lo | (bus.read(0x100 | this.s) << 8);
        break;
      }
      case 0x00: {
        this.fetch(); // BRK skips a padding byte
        this.push(this.pc >> 8);
        this.push(this.pc & 0xff);
        this.push(this.p);
        this.interruptDisable = 1;
        const lo = bus.read(0xfffe);
        this.pc = lo | (bus.read(0xffff) << 8);
        break;
      }
      case 0x48: bus.read(this.pc); this.push(this.a); break;
      case 0x08: bus.read(this.pc); this.push(this.p); break;
      case 0x68: bus.read(this.pc); bus.read(0x100 | this.s); this.s = (this.s + 1) & 0xff; this.nz(this.a = bus.read(0x100 | this.s)); break;
      case 0x28: bus.read(this.pc); bus.read(0x100 | this.s); this.s = (this.s + 1) & 0xff; this.p = bus.read(0x100 | this.s); break;
      // ---- undocumented NOPs (they read their operand like a load would)
      case 0x80: case 0x82: case 0x89: case 0xc2: case 0xe2: this.fetch(); break;
      case 0x04: case 0x44: case 0x64: bus.read(this.fetch()); break;
      case 0x14: case 0x34: case 0x54: case 0x74: case 0xd4: case 0xf4: bus.read(this.zeroPageIndexed(this.x)); break;
      case 0x0c: bus.read(this.absolute()); break;
      case 0x1c: case 0x3c: case 0x5c: case 0x7c: case 0xdc: case 0xfc: bus.read(this.indexedRead(this.absolute(), this.x)); break;
      // ---- LAX, SAX, LAS
      case 0xa7: this.nz(this.a = this.x = bus.read(this.fetch())); break;
      case 0xb7: this.nz(this.a = this.x = bus.read(this.zeroPageIndexed(this.y))); break;
      case 0xaf: this.nz(this.a = this.x = bus.read(this.absolute())); break;
      case 0xbf: this.nz(this.a = this.x = bus.read(this.indexedRead(this.absolute(), this.y))); break;
      case 0xa3: this.nz(this.a = this.x = bus.read(this.indirectX())); break;
      case 0xb3: this.nz(this.a = this.x = bus.read(this.indexedRead(this.indirectBase(), this.y))); break;
      case 0x87: bus.write(this.fetch(), this.a & this.x); break;
      case 0x97: bus.write(this.zeroPageIndexed(this.y), this.a & this.x); break;
      case 0x8f: bus.write(this.absolute(), this.a & this.x); break;
      case 0x83: bus.write(this.indirectX(), this.a & this.x); break;
      case 0xbb: this.nz(this.a = this.x = this.s = this.s & bus.read(this.indexedRead(this.absolute(), this.y))); break;
      // ---- immediate undocumented: ANC ALR ARR SBX ANE LXA
      case 0x0b: case 0x2b: this.nz(this.a &= this.fetch()); this.carry = this.a >> 7; break;
      case 0x4b: this.a = this.lsr(this.a & this.fetch()); break;
      case 0x6b: this.arr(this.fetch()); break;
      case 0xcb: {
        const diff = (this.a & this.x) - this.fetch();
        this.carry = diff >= 0 ? 1 : 0;
        this.nz(this.x = diff & 0xff);
        break;
      }
      case 0x8b: this.nz(this.a = this.x & this.fetch()); break; // ANE with magic 0xFF: (A | 0xFF) & X & imm
      case 0xab: this.nz(this.a = this.x = this.a & this.fetch()); break; // LXA with magic 0xFF
      // ---- undocumented read-modify-writes: SLO RLA SRE RRA DCP ISB (7 modes each)
      case 0x07: case 0x17: case 0x0f: case 0x1f: case 0x1b: case 0x03: case 0x13:
        address = this.rmwAddress(opcode);
        value = this.asl(this.modify(address)); bus.write(address, value); this.nz(this.a |= value); break;
      case 0x27: case 0x37: case 0x2f: case 0x3f: case 0x3b: case 0x23: case 0x33:
        address = this.rmwAddress(opcode);
        value = this.rol(this.modify(address)); bus.write(address, value); this.nz(this.a &= value); break;
      case 0x47: case 0x57: case 0x4f: case 0x5f: case 0x5b: case 0x43: case 0x53:
        address = this.rmwAddress(opcode);
        value = this.lsr(this.modify(address)); bus.write(address, value); this.nz(this.a ^= value); break;
      case 0x67: case 0x77: case 0x6f: case 0x7f: case 0x7b: case 0x63: case 0x73:
        address = this.rmwAddress(opcode);
        value = this.ror(this.modify(address)); bus.write(address, value); this.adc(value); break;
      case 0xc7: case 0xd7: case 0xcf: case 0xdf: case 0xdb: case 0xc3: case 0xd3:
        address = this.rmwAddress(opcode);
        value = (this.modify(address) - 1) & 0xff; bus.write(address, value); this.compare(this.a, value); break;
      case 0xe7: case 0xf7: case 0xef: case 0xff: case 0xfb: case 0xe3: case 0xf3:
        address = this.rmwAddress(opcode);
        value = (this.modify(address) + 1) & 0xff; bus.write(address, value); this.sbc(value); break;
      // ---- unstable stores
      case 0x93: this.storeHigh(this.indirectBase(), this.y, this.a & this.x); break;
      case 0x9f: { const base = this.absolute(); this.storeHigh(base, this.y, this.a & this.x); break; }
      case 0x9e: { const base = this.absolute(); this.storeHigh(base, this.y, this.x); break; }
      case 0x9c: { const base = this.absolute(); this.storeHigh(base, this.x, this.y); break; }
      case 0x9b: { const base = this.absolute(); this.s = this.a & this.x; this.storeHigh(base, this.y, this.s); break; }
      // ---- the rest jam the CPU: 02 12 22 32 42 52 62 72 92 B2 D2 F2
      default: this.jam(opcode);
    }
  }

  /** The address of an undocumented read-modify-write, by the low bits of its opcode. */
  private rmwAddress(opcode: number): number {
    switch (opcode & 0x1f) {
      case 0x07: return this.fetch();
      case 0x17: return this.zeroPageIndexed(this.x);
      case 0x0f: return this.absolute();
      case 0x1f: return this.indexedWrite(this.absolute(), this.x);
      case 0x1b: return this.indexedWrite(this.absolute(), this.y);
      case 0x03: return this.indirectX();
      default: return this.indexedWrite(this.indirectBase(), this.y); // 0x13
    }
  }
}
