import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/util/rng.js';
import { assembleRom } from '../fixtures/assemble.js';
import { DECIMAL_ARITHMETIC, NOT_IN_REFERENCE, OurCpu, ReferenceCpu, SAX, describeAccess, type Registers } from './cpuReference.js';

/*
 * Our 6507 against 6502.ts's cycle-by-cycle CPU, instruction by instruction: the bus accesses of
 * each instruction (so its cycle count, dummy accesses and written values) and then all
 * registers and flags must agree. Where the two are known to differ on purpose (6502.ts's
 * simplified decimal flags and its SAX flags), our values are checked by cpuTable.test.ts and
 * copied to 6502.ts so the run can go on.
 */

const hex = (n: number, width = 2) => '$' + n.toString(16).padStart(width, '0');

interface Tally { instructions: number; decimalResynced: number; saxResynced: number }

/** Steps both CPUs once and throws a readable message at the first difference. */
function compareStep(ours: OurCpu, theirs: ReferenceCpu, tally: Tally, where: string): void {
  const pc = ours.cpu.pc;
  const opcode = ours.bus.memory[pc];
  const decimal = (ours.cpu.p & 0x08) !== 0;
  ours.bus.log = [];
  theirs.bus.log = [];
  ours.step();
  theirs.step();
  const context = `${where}: instruction ${tally.instructions}, opcode ${hex(opcode)} at ${hex(pc, 4)}`;
  const a = ours.bus.log, b = theirs.bus.log;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      assert.fail(`${context}: cycle ${i + 1}: ours ${a[i] === undefined ? 'nothing' : describeAccess(a[i])}, 6502.ts ${b[i] === undefined ? 'nothing' : describeAccess(b[i])}`);
    }
  }
  const r = ours.registers, t = theirs.registers;
  if (decimal && DECIMAL_ARITHMETIC.has(opcode)) {
    assert.deepEqual({ ...t, a: r.a, p: r.p }, r, `${context} (decimal): registers other than A and P`);
    theirs.registers = r;
    tally.decimalResynced++;
  } else if (SAX.has(opcode)) {
    assert.deepEqual({ ...t, p: (t.p & ~0x82) | (r.p & 0x82) }, r, `${context} (SAX): registers other than N and Z`);
    theirs.registers = r;
    tally.saxResynced++;
  } else {
    assert.deepEqual(t, r, `${context}: registers (p without B and bit 5)`);
  }
  tally.instructions++;
}

function randomRegisters(rng: Rng): Registers {
  return { a: rng.int(0, 255), x: rng.int(0, 255), y: rng.int(0, 255), s: rng.int(0, 255), pc: rng.int(0, 0xffff), p: rng.int(0, 255) & ~0x30 };
}

test('random instruction streams: 300,000 instructions agree with 6502.ts cycle by cycle', () => {
  const rng = new Rng(16);
  const ours = new OurCpu(), theirs = new ReferenceCpu();
  const tally: Tally = { instructions: 0, decimalResynced: 0, saxResynced: 0 };
  const seen = new Set<number>();
  for (let run = 0; run < 300; run++) {
    // Fresh random memory and registers every 1,000 instructions, so no run sticks in a loop.
    for (let i = 0; i < 0x10000; i++) ours.bus.memory[i] = theirs.bus.memory[i] = rng.int(0, 255);
    const registers = randomRegisters(rng);
    ours.registers = registers;
    theirs.registers = registers;
    for (let i = 0; i < 1000; i++) {
      const pc = ours.cpu.pc;
      while (NOT_IN_REFERENCE.has(ours.bus.memory[pc])) ours.bus.memory[pc] = theirs.bus.memory[pc] = rng.int(0, 255);
      seen.add(ours.bus.memory[pc]);
      compareStep(ours, theirs, tally, `run ${run}`);
    }
  }
  assert.deepEqual(ours.bus.memory, theirs.bus.memory, 'memory after the last run');
  assert.equal(tally.instructions, 300_000);
  assert.equal(seen.size, 256 - NOT_IN_REFERENCE.size, 'every opcode both CPUs implement was run');
  assert.ok(tally.decimalResynced > 100 && tally.saxResynced > 100, `decimal ${tally.decimalResynced}, SAX ${tally.saxResynced}`);
});

/** A program (ours) that works like game code: loops, tables, pointers, subroutines, BCD counters. */
const PROGRAM = `
        processor 6502
PTR     = $80
SEED    = $82
SCORE   = $83
COUNT   = $86
TABLE   = $0200
        org $F000
Start   ldx #$FF
        txs
        lda #$5A
        sta SEED
        lda #<TABLE
        sta PTR
        lda #>TABLE
        sta PTR+1
Loop    jsr Random
        ldy #0
Fill    jsr Random
        sta (PTR),y
        iny
        bne Fill
        jsr Sort
        jsr Score
        lax TABLE+3
        dcp COUNT
        isb COUNT+1
        slo TABLE,x
        rla TABLE+1,x
        rra TABLE+2,y
        sax COUNT+2
        php
        pla
        and #$CF
        pha
        plp
        lda #>Loop
        pha
        lda #<(Loop-1)
        pha
        jmp (Vector)
Vector  .word Return
Return  rts
; 8-bit Galois LFSR
Random  lda SEED
        asl
        bcc NoXor
        eor #$1D
NoXor   sta SEED
        rts
; one bubble pass over the first 32 bytes, by pointer
Sort    ldy #0
Pass    lda (PTR),y
        iny
        cmp (PTR),y
        bcc Ordered
        tax
        lda (PTR),y
        dey
        sta (PTR),y
        iny
        txa
        sta (PTR),y
Ordered cpy #31
        bne Pass
        rts
; BCD score: add the low nibble of the first table byte, in decimal
Score   sed
        lda TABLE
        and #$09
        clc
        adc SCORE
        sta SCORE
        lda SCORE+1
        adc #0
        sta SCORE+1
        lda SCORE+2
        sbc #0
        sta SCORE+2
        cld
        rts
        org $FFFC
        .word Start
        .word Start
`;

test('a dasm-assembled program: 200,000 instructions agree with 6502.ts cycle by cycle', () => {
  const rom = assembleRom(PROGRAM);
  const ours = new OurCpu(), theirs = new ReferenceCpu();
  for (const bus of [ours.bus, theirs.bus]) bus.memory.set(rom, 0xf000);
  const registers = { a: 0, x: 0, y: 0, s: 0xfd, pc: 0xf000, p: 0x04 };
  ours.registers = registers;
  theirs.registers = registers;
  const tally: Tally = { instructions: 0, decimalResynced: 0, saxResynced: 0 };
  while (tally.instructions < 200_000) compareStep(ours, theirs, tally, 'program');
  assert.deepEqual(ours.bus.memory, theirs.bus.memory, 'memory');
  assert.ok(tally.decimalResynced > 0, 'the program ran decimal arithmetic');
  assert.notEqual(ours.bus.memory[0x83], 0, 'the BCD score moved');
});
