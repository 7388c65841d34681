import { createRequire } from 'node:module';
import { Cpu6507, type CpuBus } from '../../../src/envs/atari/cores/ours/cpu6507.js';

/*
 * Our 6507 and 6502.ts's cycle-by-cycle CPU (StateMachineCpu: one bus access per `cycle()`)
 * side by side on two copies of a flat 64K memory. Every bus access is logged, so a comparison
 * after an instruction covers the cycle count, the order of reads and writes (dummy accesses
 * included), the values written, the registers and the flags.
 */

const require = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-explicit-any */
const StateMachineCpu = require('6502.ts/lib/machine/cpu/StateMachineCpu.js').default as new (bus: unknown) => any;

/** A flat 64K memory that logs each access as (write ? 1 : 0) << 24 | address << 8 | value. */
export class TraceBus implements CpuBus {
  readonly memory = new Uint8Array(0x10000);
  log: number[] = [];
  read(address: number): number {
    const value = this.memory[address];
    this.log.push((address << 8) | value);
    return value;
  }
  write(address: number, value: number): void {
    this.memory[address] = value;
    this.log.push((1 << 24) | (address << 8) | value);
  }
  // 6502.ts's bus interface also has these.
  peek(address: number): number { return this.memory[address]; }
  poke(address: number, value: number): void { this.memory[address] = value; }
  readWord(address: number): number { return this.read(address) | (this.read((address + 1) & 0xffff) << 8); }
}

export function describeAccess(entry: number): string {
  const write = entry >> 24, address = (entry >> 8) & 0xffff, value = entry & 0xff;
  return `${write ? 'W' : 'R'} $${address.toString(16).padStart(4, '0')}=${value.toString(16).padStart(2, '0')}`;
}

export interface Registers { a: number; x: number; y: number; s: number; pc: number; p: number }

/** 6502.ts's CPU on its own bus, stepped one instruction at a time. */
export class ReferenceCpu {
  readonly bus = new TraceBus();
  private readonly cpu: any = new StateMachineCpu(this.bus);
  constructor() {
    this.cpu.setInvalidInstructionCallback(() => { throw new Error(`6502.ts: invalid opcode at $${this.cpu.getLastInstructionPointer().toString(16)}`); });
    // Finish the boot sequence (7 cycles) so that the next cycle is an opcode fetch.
    this.cpu.reset();
    while (this.cpu.executionState !== 1) this.cpu.cycle();
  }
  step(): void {
    do this.cpu.cycle(); while (this.cpu.executionState !== 1);
  }
  get registers(): Registers {
    const s = this.cpu.state;
    return { a: s.a, x: s.x, y: s.y, s: s.s, pc: s.p, p: (s.flags & ~0x30) & 0xff };
  }
  set registers(r: Registers) {
    const s = this.cpu.state;
    s.a = r.a; s.x = r.x; s.y = r.y; s.s = r.s; s.p = r.pc; s.flags = (r.p & ~0x10) | 0x20;
  }
}

/** Our CPU on its own traced bus. */
export class OurCpu {
  readonly bus = new TraceBus();
  readonly cpu = new Cpu6507(this.bus);
  step(): void { this.cpu.step(); }
  get registers(): Registers {
    const c = this.cpu;
    return { a: c.a, x: c.x, y: c.y, s: c.s, pc: c.pc, p: c.p & ~0x30 };
  }
  set registers(r: Registers) {
    const c = this.cpu;
    c.a = r.a; c.x = r.x; c.y = r.y; c.s = r.s; c.pc = r.pc; c.p = r.p;
  }
}

/**
 * Opcodes 6502.ts does not implement (it stops on them): SRE, the unstable stores
 * SHA/SHX/SHY/TAS, ANE, and the JAMs. Our CPU's behaviour on these is checked by a table.
 */
export const NOT_IN_REFERENCE = new Set([
  0x47, 0x57, 0x4f, 0x5f, 0x5b, 0x43, 0x53, 0x93, 0x9f, 0x9e, 0x9c, 0x9b, 0x8b,
  0x02, 0x12, 0x22, 0x32, 0x42, 0x52, 0x62, 0x72, 0x92, 0xb2, 0xd2, 0xf2,
]);

/** Decimal-mode arithmetic, where 6502.ts simplifies the NMOS flags (see docs/emulator-core.md). */
export const DECIMAL_ARITHMETIC = new Set([
  0x69, 0x65, 0x75, 0x6d, 0x7d, 0x79, 0x61, 0x71, 0xe9, 0xeb, 0xe5, 0xf5, 0xed, 0xfd, 0xf9, 0xe1, 0xf1,
  0x67, 0x77, 0x6f, 0x7f, 0x7b, 0x63, 0x73, 0xe7, 0xf7, 0xef, 0xff, 0xfb, 0xe3, 0xf3, 0x6b,
]);

/** SAX: 6502.ts sets N and Z from the stored value; the NMOS chip leaves the flags alone. */
export const SAX = new Set([0x87, 0x97, 0x8f, 0x83]);
