import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OurCpu } from './cpuReference.js';

/*
 * Our 6507 against tables written from the NMOS 6502 data sheets and the usual undocumented-
 * opcode tables (not from any emulator): the cycles of every opcode, the page-crossing
 * penalties, branch timing, decimal mode with its NMOS flags, and the opcodes 6502.ts lacks.
 */

/** Cycles of each opcode without page crossing or taken branches; 0 = JAM. Rows are $x0-$xF. */
const CYCLES = [
  '7 6 0 8 3 3 5 5 3 2 2 2 4 4 6 6', // 0x
  '2 5 0 8 4 4 6 6 2 4 2 7 4 4 7 7', // 1x
  '6 6 0 8 3 3 5 5 4 2 2 2 4 4 6 6', // 2x
  '2 5 0 8 4 4 6 6 2 4 2 7 4 4 7 7', // 3x
  '6 6 0 8 3 3 5 5 3 2 2 2 3 4 6 6', // 4x
  '2 5 0 8 4 4 6 6 2 4 2 7 4 4 7 7', // 5x
  '6 6 0 8 3 3 5 5 4 2 2 2 5 4 6 6', // 6x
  '2 5 0 8 4 4 6 6 2 4 2 7 4 4 7 7', // 7x
  '2 6 2 6 3 3 3 3 2 2 2 2 4 4 4 4', // 8x
  '2 6 0 6 4 4 4 4 2 5 2 5 5 5 5 5', // 9x
  '2 6 2 6 3 3 3 3 2 2 2 2 4 4 4 4', // Ax
  '2 5 0 5 4 4 4 4 2 4 2 4 4 4 4 4', // Bx
  '2 6 2 8 3 3 5 5 2 2 2 2 4 4 6 6', // Cx
  '2 5 0 8 4 4 6 6 2 4 2 7 4 4 7 7', // Dx
  '2 6 2 8 3 3 5 5 2 2 2 2 4 4 6 6', // Ex
  '2 5 0 8 4 4 6 6 2 4 2 7 4 4 7 7', // Fx
].flatMap((row) => row.split(' ').map(Number));

/** Reads that take one more cycle when the index crosses a page: abs,X abs,Y (zp),Y. */
const PAGE_PENALTY = new Set([
  0x11, 0x19, 0x1d, 0x31, 0x39, 0x3d, 0x51, 0x59, 0x5d, 0x71, 0x79, 0x7d, 0xb1, 0xb9, 0xbd, 0xd1, 0xd9, 0xdd, 0xf1, 0xf9, 0xfd,
  0xbc, 0xbe, 0xb3, 0xbf, 0xbb, 0x1c, 0x3c, 0x5c, 0x7c, 0xdc, 0xfc,
]);
const BRANCHES = [0x10, 0x30, 0x50, 0x70, 0x90, 0xb0, 0xd0, 0xf0];

/** Runs one instruction at $1000 (operands $10 $20; pointer $10 -> $2010) and returns its cycles. */
function cycles(opcode: number, registers: { x?: number; y?: number; p?: number } = {}): number {
  const m = new OurCpu();
  m.bus.memory.set([opcode, 0x10, 0x20], 0x1000);
  m.bus.memory[0x10] = 0x10; m.bus.memory[0x11] = 0x20;
  m.bus.memory[0xfffe] = 0x00; m.bus.memory[0xffff] = 0x30;
  m.registers = { a: 0, x: registers.x ?? 0, y: registers.y ?? 0, s: 0xff, pc: 0x1000, p: registers.p ?? 0 };
  m.step();
  return m.bus.log.length;
}

test('every opcode takes the cycles of the NMOS table; JAMs stop the CPU', () => {
  for (let opcode = 0; opcode < 256; opcode++) {
    if (BRANCHES.includes(opcode)) continue;
    if (CYCLES[opcode] === 0) {
      const m = new OurCpu();
      m.bus.memory[0x1000] = opcode;
      m.registers = { a: 0, x: 0, y: 0, s: 0xff, pc: 0x1000, p: 0 };
      m.step(); m.step();
      assert.ok(m.cpu.jammed, `opcode $${opcode.toString(16)} jams`);
      assert.equal(m.cpu.pc, 0x1000, 'a jammed CPU stays put');
      continue;
    }
    assert.equal(cycles(opcode), CYCLES[opcode], `opcode $${opcode.toString(16)}`);
  }
});

test('indexed reads take one more cycle across a page; stores and read-modify-writes never do', () => {
  for (let opcode = 0; opcode < 256; opcode++) {
    if (CYCLES[opcode] === 0 || BRANCHES.includes(opcode)) continue;
    const crossed = cycles(opcode, { x: 0xff, y: 0xff });
    const expected = CYCLES[opcode] + (PAGE_PENALTY.has(opcode) ? 1 : 0);
    assert.equal(crossed, expected, `opcode $${opcode.toString(16)} with X = Y = $FF`);
  }
});

test('branches: 2 cycles not taken, 3 taken, 4 taken across a page', () => {
  // BNE with Z clear (p = 0) is taken; BEQ is not.
  assert.equal(cycles(0xf0), 2);
  assert.equal(cycles(0xd0), 3); // $1002 + $10 stays in page $10
  const m = new OurCpu();
  m.bus.memory.set([0xd0, 0x7f], 0x10f0);
  m.registers = { a: 0, x: 0, y: 0, s: 0xff, pc: 0x10f0, p: 0 };
  m.step();
  assert.equal(m.bus.log.length, 4);
  assert.equal(m.cpu.pc, 0x1171);
});

/** Runs `code` at $1000 with the given A and P and returns A and the flags after its last instruction. */
function run(code: number[], a: number, p: number, memory: Record<number, number> = {}): { a: number; p: number; m: OurCpu } {
  const m = new OurCpu();
  m.bus.memory.set(code, 0x1000);
  for (const [address, value] of Object.entries(memory)) m.bus.memory[Number(address)] = value;
  m.registers = { a, x: 0, y: 0, s: 0xff, pc: 0x1000, p };
  while (m.cpu.pc < 0x1000 + code.length) m.step();
  return { a: m.cpu.a, p: m.cpu.p & 0xcf, m };
}

const C = 0x01, Z = 0x02, D = 0x08, V = 0x40, N = 0x80;

test('decimal ADC and SBC follow the NMOS chip: BCD sums, and N V Z from the binary intermediate', () => {
  // [a, operand, carry in] -> [a, flags] for ADC #operand with D set.
  const adc: [number, number, number, number, number][] = [
    [0x12, 0x34, 0, 0x46, 0],
    [0x58, 0x46, 1, 0x05, N | V | C], // intermediate high digit $A: N and V set
    [0x99, 0x01, 0, 0x00, N | C], // Z clear: the binary sum $9A is not zero; N from the intermediate $A0
    [0x81, 0x92, 0, 0x73, V | C],
    [0x50, 0x50, 0, 0x00, N | V | C],
    [0x00, 0x00, 0, 0x00, Z],
  ];
  for (const [a, operand, carry, result, flags] of adc) {
    const r = run([0x69, operand], a, D | carry);
    assert.equal(r.a, result, `ADC $${a.toString(16)} + $${operand.toString(16)} + ${carry}`);
    assert.equal(r.p & ~D, flags, `flags of ADC $${a.toString(16)} + $${operand.toString(16)} + ${carry}`);
  }
  const sbc: [number, number, number, number, number][] = [
    [0x46, 0x12, 1, 0x34, C],
    [0x40, 0x13, 1, 0x27, C],
    [0x32, 0x02, 0, 0x29, C],
    [0x12, 0x21, 1, 0x91, N],
    [0x21, 0x21, 1, 0x00, Z | C],
  ];
  for (const [a, operand, carry, result, flags] of sbc) {
    const r = run([0xe9, operand], a, D | carry);
    assert.equal(r.a, result, `SBC $${a.toString(16)} - $${operand.toString(16)} (carry ${carry})`);
    assert.equal(r.p & ~D, flags, `flags of SBC $${a.toString(16)} - $${operand.toString(16)}`);
  }
});

test('undocumented opcodes 6502.ts lacks: SRE, ANE, SHX/SHY/SHA/TAS; ARR in decimal mode', () => {
  // SRE $40: memory $03 -> $01 (carry out 1), A = $01 ^ $01 = 0.
  let r = run([0x47, 0x40], 0x01, 0, { 0x40: 0x03 });
  assert.equal(r.m.bus.memory[0x40], 0x01);
  assert.equal(r.a, 0);
  assert.equal(r.p, Z | C);
  // ANE #$0F with X = $3C (magic $FF): A = X & $0F.
  const ane = new OurCpu();
  ane.bus.memory.set([0x8b, 0x0f], 0x1000);
  ane.registers = { a: 0xff, x: 0x3c, y: 0, s: 0xff, pc: 0x1000, p: 0 };
  ane.step();
  assert.equal(ane.cpu.a, 0x0c);
  // SHX $2010,Y stores X & ($20 + 1); SHY $2010,X stores Y & $21.
  const sh = new OurCpu();
  sh.bus.memory.set([0x9e, 0x10, 0x20, 0x9c, 0x10, 0x20], 0x1000);
  sh.registers = { a: 0, x: 0xff, y: 0x01, s: 0xff, pc: 0x1000, p: 0 };
  sh.step();
  assert.equal(sh.bus.memory[0x2011], 0x21);
  sh.cpu.x = 0x02; sh.cpu.y = 0xff;
  sh.step();
  assert.equal(sh.bus.memory[0x2012], 0x21);
  // ARR #$FF with A = $FF, carry set, decimal: t = $FF, binary $FF, low nibble +6 -> $F5, high +6 -> $55.
  r = run([0x6b, 0xff], 0xff, D | C);
  assert.equal(r.a, 0x55);
  assert.equal(r.p & C, C);
  // ARR binary: A = ($C0 & $FF) >> 1 | carry << 7 = $60: C = bit 6, V = bit 6 ^ bit 5.
  r = run([0x6b, 0xff], 0xc0, 0);
  assert.equal(r.a, 0x60);
  assert.equal(r.p, C);
});
