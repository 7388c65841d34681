import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Rng } from '../../../src/util/rng.js';
import { Riot } from '../../../src/envs/atari/cores/ours/riot.js';

/*
 * Our lazy RIOT timer against 6502.ts's PIA, which ticks its timer every cycle: random writes
 * of TIM1T/TIM8T/TIM64T/T1024T and reads of INTIM and TIMINT at random cycles must agree.
 */

const require = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-explicit-any */
const Pia = require('6502.ts/lib/machine/stella/Pia.js').default as new (...args: unknown[]) => any;

test('the timer agrees with 6502.ts over 200,000 random reads and writes (all intervals, wrap, INTIM read after wrap)', () => {
  const rng = new Rng(6532);
  const theirs = new Pia(null, null, null, { int: () => 0 });
  const ours = new Riot();
  ours.reset(0);
  let cycle = 0;
  let wraps = 0;
  for (let i = 0; i < 200_000; i++) {
    // Mostly short gaps, sometimes long ones, so all four intervals reach zero and wrap.
    const gap = rng.next() < 0.9 ? rng.int(1, 12) : rng.int(1, 3000);
    for (let k = 0; k < gap; k++) theirs.cycle();
    cycle += gap;
    const what = rng.next();
    if (what < 0.03) {
      const address = 0x294 + rng.int(0, 3), value = rng.int(0, 255) >> rng.int(0, 7);
      theirs.write(address, value);
      ours.writeRegister(address, value, cycle);
    } else {
      const address = what < 0.6 ? 0x284 : 0x285;
      const expected = theirs.read(address);
      const actual = ours.readRegister(address, cycle, 0);
      if (address === 0x285 && expected) wraps++;
      assert.equal(actual, expected, `step ${i}, cycle ${cycle}, read $${address.toString(16)}`);
    }
  }
  assert.ok(wraps > 1000, `the timer wrapped and was seen (${wraps} TIMINT reads with the flag)`);
});

test('RAM is 128 bytes and the ports read the switches (active low); SWACNT and SWBCNT read the bus', () => {
  const riot = new Riot();
  riot.swcha = 0x7f; // joystick 0 right
  riot.swchb = 0x0a; // RESET pressed
  assert.equal(riot.readRegister(0x280, 0, 0x55), 0x7f);
  assert.equal(riot.readRegister(0x282, 0, 0x55), 0x0a);
  assert.equal(riot.readRegister(0x281, 0, 0x55), 0x55);
  assert.equal(riot.ram.length, 128);
});
