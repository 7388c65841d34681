/**
 * The RIOT (6532) of our 2600 core: 128 bytes of RAM, the two I/O ports (SWCHA joysticks and
 * paddle buttons, SWCHB console switches) and the interval timer.
 *
 * The timer is lazy: nothing runs per cycle. It keeps the cycle of its last update and catches up
 * in closed form when it is read or written. Its model: the timer ticks before the CPU's access
 * in each cycle; a write sets the value and the interval (1, 8, 64 or 1,024 cycles) and the
 * first decrement comes on the next cycle; after the count passes zero the timer wraps to $FF,
 * raises the interrupt flag and counts down once per cycle; reading INTIM clears the flag and
 * returns the timer to its interval (unless the flag was raised in that very cycle).
 */

export interface RiotState {
  ram: Uint8Array; value: number; interval: number; phase: number; wrapped: boolean; flag: number;
  wrapCycle: number; lastCycle: number; swcha: number; swchb: number;
}

export class Riot {
  /** `ram`: the 128 bytes (the machine's view into the memory the CPU reads directly). */
  constructor(readonly ram = new Uint8Array(128)) {}

  /** Port A as the pins read: joystick 0 in bits 4-7, joystick 1 in bits 0-3, active low. */
  swcha = 0xff;
  /** Port B as the pins read: RESET bit 0, SELECT bit 1 (active low), colour bit 3, difficulties bits 6-7. */
  swchb = 0x0b;
  private value = 0;
  private interval = 1024;
  /** Cycles into the current interval (the timer decrements when a tick starts at phase 0). */
  private phase = 0;
  private wrapped = false;
  private flag = 0;
  private wrapCycle = -1;
  private lastCycle = 0;

  reset(cycle: number): void {
    this.value = 0;
    this.interval = 1024;
    this.phase = 0;
    this.wrapped = false;
    this.flag = 0;
    this.wrapCycle = -1;
    this.lastCycle = cycle;
  }

  /** Applies the timer ticks of cycles (lastCycle, cycle]. */
  private catchUp(cycle: number): void {
    const ticks = cycle - this.lastCycle;
    if (ticks <= 0) return;
    this.lastCycle = cycle;
    const d = this.interval;
    const start = this.phase;
    this.phase = (start + ticks) % d;
    if (this.wrapped) {
      this.value = (this.value - ticks) & 0xff;
      return;
    }
    // Decrements happen at the ticks t in [0, ticks) with (start + t) % d == 0.
    const firstDecrement = (d - start) % d;
    if (firstDecrement >= ticks) return;
    const decrements = Math.floor((ticks - 1 - firstDecrement) / d) + 1;
    if (decrements <= this.value) {
      this.value -= decrements;
      return;
    }
    const wrapTick = firstDecrement + this.value * d;
    this.wrapped = true;
    this.flag = 0x80;
    this.wrapCycle = cycle - ticks + 1 + wrapTick;
    this.value = (0xff - (ticks - 1 - wrapTick)) & 0xff;
  }

  /**
   * How many of `max` INTIM reads at cycles `first`, `first + period`, ... return non-zero and
   * change nothing: while the count has not reached zero (nor wrapped, nor raised the flag that a
   * read would clear). `first` is at or after the last update.
   */
  pollsBeforeZero(first: number, period: number, max: number): number {
    if (this.wrapped || this.flag !== 0 || this.value === 0) return 0;
    // Decrements come at ticks t = firstDecrement + 1 + m * interval after lastCycle; the value-th one reaches zero.
    const d = this.interval, firstDecrement = (d - this.phase) % d;
    const zeroCycle = this.lastCycle + firstDecrement + 1 + (this.value - 1) * d;
    if (zeroCycle <= first) return 0;
    return Math.min(max, Math.ceil((zeroCycle - first) / period));
  }

  /** Writes a RIOT register (address bit 9 set) at CPU cycle `cycle`. */
  writeRegister(address: number, value: number, cycle: number): void {
    if ((address & 0x14) !== 0x14) return; // I/O direction registers and edge control: not modelled
    this.catchUp(cycle);
    const intervals = [1, 8, 64, 1024];
    this.interval = intervals[address & 3];
    this.value = value;
    this.phase = 0;
    this.wrapped = false;
    this.flag = 0;
  }

  /** Reads a RIOT register; `bus` is the last value on the data bus (undriven reads return it). */
  readRegister(address: number, cycle: number, bus: number): number {
    if (address & 0x04) {
      this.catchUp(cycle);
      if (address & 0x01) return this.flag;
      if (this.wrapCycle !== cycle) {
        this.flag = 0;
        this.wrapped = false;
      }
      return this.value;
    }
    switch (address & 0x03) {
      case 0: return this.swcha;
      case 2: return this.swchb;
      default: return bus;
    }
  }

  saveState(): RiotState {
    return {
      ram: this.ram.slice(), value: this.value, interval: this.interval, phase: this.phase, wrapped: this.wrapped,
      flag: this.flag, wrapCycle: this.wrapCycle, lastCycle: this.lastCycle, swcha: this.swcha, swchb: this.swchb,
    };
  }

  loadState(s: RiotState): void {
    this.ram.set(s.ram);
    this.value = s.value; this.interval = s.interval; this.phase = s.phase; this.wrapped = s.wrapped;
    this.flag = s.flag; this.wrapCycle = s.wrapCycle; this.lastCycle = s.lastCycle; this.swcha = s.swcha; this.swchb = s.swchb;
  }
}
