/**
 * The TIA's five movable objects (P0, P1, M0, M1, BL) as the chip's counters: each has a
 * position counter (0-159) that one clock pulse advances, decodes that start a copy, and a
 * render state (render counter, player sample counter, stretch divider). This is the exact
 * model, ticked one pulse at a time; the TIA uses it only while something irregular is going
 * on (HMOVE's movement, a reset or NUSIZ change mid-copy, RESMP) and otherwise paints objects
 * in closed form from their positions. `isRegular` says when the two agree again.
 *
 * Behaviour follows 6502.ts's TIA (the project's reference), read, not copied; see
 * docs/emulator-core.md.
 */

export const P0 = 0, P1 = 1, M0 = 2, M1 = 3, BL = 4;
/** Each object's bit in the TIA's per-pixel layer byte (P0 1, M0 2, P1 4, M1 8, BL 16). */
export const OBJECT_LAYER_BIT = [1, 4, 2, 8, 16];

/** Counter value at which each NUSIZ mode starts a copy (the main one at 156: pixels start a line later). */
const DECODES: Uint8Array[] = [[], [12], [28], [12, 28], [60], [], [28, 60], []].map((copies) => {
  const table = new Uint8Array(160);
  table[156] = 1;
  for (const c of copies) table[c] = 1;
  return table;
});
const BALL_DECODES = DECODES[0];
/** Per NUSIZ mode and counter value c, pulses since the last decode before c (1: the pulse at c - 1 decoded). */
const SINCE_DECODE: Uint8Array[] = DECODES.map((decodes) => {
  const table = new Uint8Array(160);
  for (let c = 0; c < 160; c++) { let k = 1; while (!decodes[(c - k + 160) % 160]) k++; table[c] = k; }
  return table;
});
/** Pulses from each counter value to the next decode (0: one is here), per NUSIZ mode. */
const TO_NEXT_DECODE: Uint8Array[] = DECODES.map((decodes) => {
  const table = new Uint8Array(160);
  for (let c = 0; c < 160; c++) { let d = 0; while (!decodes[(c + d) % 160]) d++; table[c] = d; }
  return table;
});
const DIVIDERS = [1, 1, 1, 1, 1, 2, 1, 4];
/** Render counter a copy starts at: players show 5 pulses after the decode (6 when stretched), missiles and the ball 4. */
const PLAYER_START = -5, MISSILE_START = -4;
/** Pulses after a decode beyond which no copy is still being drawn (a quad-width player: 38). */
const LOOKBACK = 40;
const RESP_CLOCK_OFFSET = [0, 5, 9, 0, 12];

export class MotionObjects {
  readonly counter = new Int32Array(5);
  readonly rendering = new Uint8Array(5);
  readonly renderCounter = new Int32Array(5);
  /** Players: which of the 8 pattern bits is shown. */
  readonly sample = new Int32Array(5);
  /** Players: pixel width (1, 2, 4), the one NUSIZ asks for, and pulses until it applies (-1: none due). */
  readonly divider = new Int32Array([1, 1, 1, 1, 1]);
  readonly dividerPending = new Int32Array([1, 1, 1, 1, 1]);
  readonly dividerChange = new Int32Array([-1, -1, -1, -1, -1]);
  /** Missiles and ball: width in pixels; the starfield width of a copy started while moving. */
  readonly width = new Int32Array([1, 1, 1, 1, 1]);
  readonly effectiveWidth = new Int32Array(5);
  /** NUSIZ mode of each object (the ball: 0). */
  readonly mode = new Uint8Array(5);
  readonly resmp = new Uint8Array(5);
  // HMOVE's movement
  readonly moving = new Uint8Array(5);
  /** (HMxx >> 4) ^ 8: the movement count at which the object stops (0 from power-on, as 6502.ts starts). */
  readonly stopAt = new Int32Array(5);
  readonly lastMovementTick = new Int32Array(5);
  movementClock = 0;
  movementInProgress = false;
  /** Each object's output on its last pulse (collisions during HBLANK's movement use them). */
  lastOutput = 0;

  /** Puts object `i` at counter `c` with the render state a steady run of pulses leaves there. */
  setRegular(i: number, c: number): void {
    this.counter[i] = c;
    this.regularInto(i, c);
    this.rendering[i] = scratch[0]; this.renderCounter[i] = scratch[1]; this.sample[i] = scratch[2];
    this.dividerChange[i] = -1;
    if (i < 2) { this.divider[i] = this.dividerPending[i] = DIVIDERS[this.mode[i]]; }
    this.moving[i] = 0;
  }

  /**
   * Object i's counter ran `n` pulses in closed form since it was last exact: a decode among
   * them set the starfield width (all decode counters are multiples of 4, so any would set the same).
   */
  passPulses(i: number, n: number): void {
    if (i < 2 || this.resmp[i] || TO_NEXT_DECODE[i === BL ? 0 : this.mode[i]][this.counter[i]] >= n) return;
    const delta = (160 - this.lastMovementTick[i]) % 4, w = this.width[i];
    this.effectiveWidth[i] = delta === 3 ? (w === 1 ? 2 : w) : delta === 2 ? 0 : w;
  }

  /**
   * Whether object i, pulsed steadily, could show a pixel (its graphics permitting) on a pulse
   * at any of the `n` counter values from c on (wrapping).
   */
  mayShow(i: number, c: number, n: number): boolean {
    if (i >= 2 && this.resmp[i]) return false;
    const prefix = i < 2 ? PLAYER_SHOWS[this.mode[i]] : MISSILE_SHOWS[this.missileTable(i)];
    return prefix[c + n] !== prefix[c];
  }

  /** The pixel (1 or 0) a pulse of object i at counter c (0-319: the circle twice) shows after a steady run, with graphics `pattern` (players) or enable 0/1. */
  pixelAt(i: number, c: number, pattern: number): number {
    if (i >= 2 && this.resmp[i]) return 0;
    const shift = i < 2 ? PLAYER_PIXEL[this.mode[i]][c] : MISSILE_PIXEL[this.missileTable(i)][c];
    return (((i < 2 ? pattern : pattern * 0xff) << shift) >> 7) & 1;
  }

  /** Missile or ball i's entry in the MISSILE_* tables: its mode (the ball: 0) x 4 + log2(width). */
  private missileTable(i: number): number {
    return (i === BL ? 0 : this.mode[i]) * 4 + 31 - Math.clz32(this.width[i]);
  }

  /**
   * HMOVE's movement in closed form (`Tia.startHmove`): object i, at counter c, gets its `n`
   * extra pulses in HBLANK, none of them showing a pixel, and the movement ends with the counter
   * where the last tick found it. A missile or ball copy started among them sets the width its
   * starfield would have (delta 0: the tick's counter is the decode's).
   */
  moveCounter(i: number, c: number, n: number): void {
    if (i >= 2 && !this.resmp[i] && TO_NEXT_DECODE[i === BL ? 0 : this.mode[i]][c] < n) this.effectiveWidth[i] = this.width[i];
    this.counter[i] = this.lastMovementTick[i] = c + n < 160 ? c + n : c + n - 160;
  }

  /** True when object i's render state is the one its counter implies (the closed form then paints it exactly). */
  isRegular(i: number): boolean {
    if (this.moving[i]) return false;
    if (i < 2 && (this.dividerChange[i] >= 0 || this.divider[i] !== DIVIDERS[this.mode[i]] || this.dividerPending[i] !== this.divider[i])) return false;
    this.regularInto(i, this.counter[i]);
    if (!scratch[0]) return this.rendering[i] === 0;
    return this.rendering[i] === 1 && this.renderCounter[i] === scratch[1] && (i >= 2 || this.sample[i] === scratch[2]);
  }

  /** scratch = [rendering, renderCounter, sample] of object i after steady pulses up to counter c. */
  private regularInto(i: number, c: number): void {
    scratch[0] = 0; scratch[1] = 0; scratch[2] = 0;
    if (i >= 2 && this.resmp[i]) return;
    const k = SINCE_DECODE[i === BL ? 0 : this.mode[i]][c];
    if (k > LOOKBACK) return;
    if (i < 2) {
      const d = DIVIDERS[this.mode[i]];
      const rc = PLAYER_START + k - 1;
      if (rc > (d === 1 ? 7 : 8 * d)) return;
      scratch[0] = 1; scratch[1] = rc;
      scratch[2] = d === 1 ? Math.max(0, rc) : rc > 1 ? Math.floor((rc - 1) / d) : 0;
    } else {
      const rc = MISSILE_START + k - 1;
      if (rc >= this.width[i]) return;
      scratch[0] = 1; scratch[1] = rc;
    }
  }

  /** The output object i would give on a pulse in its present state (pattern: leftmost pixel in bit 7). */
  output(i: number, patternOrEnabled: number): number {
    if (!this.rendering[i]) return 0;
    if (i < 2) return this.renderCounter[i] >= (this.divider[i] === 1 ? 0 : 1) ? (patternOrEnabled >> (7 - this.sample[i])) & 1 : 0;
    return this.renderCounter[i] >= 0 && patternOrEnabled ? 1 : 0;
  }

  /** One pulse for a player; returns its pixel (1 or 0). */
  tickPlayer(i: number, pattern: number): number {
    const out = this.output(i, pattern);
    const c = this.counter[i];
    if (DECODES[this.mode[i]][c]) {
      this.rendering[i] = 1; this.renderCounter[i] = PLAYER_START; this.sample[i] = 0;
    } else if (this.rendering[i]) {
      const rc = ++this.renderCounter[i];
      const d = this.divider[i];
      if (d === 1) {
        if (rc > 0) this.sample[i]++;
        if (rc >= 0 && this.dividerChange[i] >= 0 && this.dividerChange[i]-- === 0) this.setDivider(i, this.dividerPending[i]);
      } else {
        if (rc > 1 && (rc - 1) % d === 0) this.sample[i]++;
        if (rc > 0 && this.dividerChange[i] >= 0 && this.dividerChange[i]-- === 0) this.setDivider(i, this.dividerPending[i]);
      }
      if (this.sample[i] > 7) this.rendering[i] = 0;
    }
    this.counter[i] = c === 159 ? 0 : c + 1;
    return out;
  }

  /** One pulse for a missile or the ball; `visible`: a pulse of the visible line (not a movement pulse in HBLANK). */
  tickMissile(i: number, enabled: number, visible: boolean): number {
    const out = this.output(i, enabled);
    const c = this.counter[i];
    const starfield = this.moving[i] === 1 && visible;
    const decodes = i === BL ? BALL_DECODES : DECODES[this.mode[i]];
    if (decodes[c] && !this.resmp[i]) {
      // A copy started by a movement pulse that is not on the object's own 4-clock phase is
      // drawn wider (or not at all) while it keeps moving: the "starfield" effect.
      const delta = (c - this.lastMovementTick[i] + 160) % 4;
      const w = this.width[i];
      this.rendering[i] = 1;
      this.renderCounter[i] = MISSILE_START + (starfield && delta === 3 && w < 4 ? 1 : 0);
      this.effectiveWidth[i] = delta === 3 ? (w === 1 ? 2 : w) : delta === 2 ? 0 : w;
    } else if (this.rendering[i] && ++this.renderCounter[i] >= (starfield ? this.effectiveWidth[i] : this.width[i])) {
      this.rendering[i] = 0;
    }
    this.counter[i] = c === 159 ? 0 : c + 1;
    return out;
  }

  /**
   * `n` pulses of the visible line for object i (no movement tick among them), its pixels set
   * as `bit` in layers[x..x+n) when `layers` is given. While no copy is being drawn a pulse only
   * advances the counter, so runs up to the next decode go in one step. Returns the last pulse's output.
   */
  pulseRun(i: number, pattern: number, layers: Uint8Array | null, x: number, n: number, bit: number): number {
    const toNext = TO_NEXT_DECODE[i === BL ? 0 : this.mode[i]];
    const locked = i >= 2 && i !== BL && this.resmp[i] === 1;
    let out = 0;
    while (n > 0) {
      if (!this.rendering[i]) {
        const d = locked ? n : toNext[this.counter[i]];
        if (d >= n) { this.counter[i] = (this.counter[i] + n) % 160; return 0; }
        if (d > 0) { this.counter[i] = (this.counter[i] + d) % 160; x += d; n -= d; }
      }
      out = i < 2 ? this.tickPlayer(i, pattern) : this.tickMissile(i, pattern, true);
      if (out && layers) layers[x] |= bit;
      x++; n--;
    }
    return out;
  }

  private setDivider(i: number, d: number): void {
    this.divider[i] = d;
  }

  /** RESPx with the counter value the reset loads (157 visible, 159 or 158 in HBLANK). */
  resetPlayer(i: number, c: number): void {
    this.counter[i] = c;
    if (this.rendering[i] && this.renderCounter[i] - PLAYER_START < 4) this.renderCounter[i] = PLAYER_START + (c - 157);
  }

  resetMissile(i: number, c: number, hblank: boolean): void {
    this.counter[i] = c;
    if (!this.rendering[i]) return;
    const rc = this.renderCounter[i];
    if (rc < 0) { this.renderCounter[i] = MISSILE_START + (c - 157); return; }
    switch (this.width[i]) {
      case 8: this.renderCounter[i] = c - 157 + (rc >= 4 ? 4 : 0); break;
      case 4: this.renderCounter[i] = c - 157; break;
      case 2: if (hblank) this.rendering[i] = rc > 1 ? 1 : 0; else if (rc === 0) this.renderCounter[i]++; break;
      default: if (hblank) this.rendering[i] = rc > 0 ? 1 : 0; break;
    }
  }

  /** RESBL: the ball starts a copy at once (it shows 4 pulses later). */
  resetBall(c: number): void {
    this.counter[BL] = c;
    this.rendering[BL] = 1;
    this.renderCounter[BL] = MISSILE_START + (c - 157);
  }

  /** RESMPx set (locks the missile, hidden) or released (the missile moves to its player's centre). */
  setResmp(i: number, on: boolean): void {
    if ((this.resmp[i] === 1) === on) return;
    this.resmp[i] = on ? 1 : 0;
    if (!on) {
      const player = i - 2;
      this.counter[i] = (this.counter[player] - RESP_CLOCK_OFFSET[this.divider[player]] + 160) % 160;
    }
  }

  /** NUSIZ for a player: copies and width; a width change during a copy applies at a point that depends on how far it is. */
  nusizPlayer(i: number, value: number, hblank: boolean): void {
    const mode = value & 7;
    const pending = DIVIDERS[mode];
    const oldMode = this.mode[i];
    this.mode[i] = mode;
    const rc = this.renderCounter[i];
    if (DECODES[mode] !== DECODES[oldMode] && this.rendering[i] && rc - PLAYER_START < 2 && !DECODES[mode][(this.counter[i] - rc + PLAYER_START + 159) % 160]) {
      this.rendering[i] = 0;
    }
    this.dividerPending[i] = pending;
    const d = this.divider[i];
    if (pending === d) return;
    if (!this.rendering[i]) { this.setDivider(i, pending); return; }
    const delta = rc - PLAYER_START;
    if (d === 1) {
      if (hblank) {
        if (delta < 4) this.setDivider(i, pending); else this.dividerChange[i] = delta < 5 ? 1 : 0;
      } else if (delta < 3) this.setDivider(i, pending);
      else this.dividerChange[i] = 1;
    } else if (pending === 1) {
      if (delta < (hblank ? 4 : 3)) this.setDivider(i, pending);
      else if (delta < (hblank ? 6 : 5)) { this.setDivider(i, pending); this.renderCounter[i]--; }
      else this.dividerChange[i] = hblank ? 0 : 1;
    } else if (rc < 1 || (hblank && rc % d === 1)) this.setDivider(i, pending);
    else this.dividerChange[i] = d - ((rc - 1) % d);
  }

  /** NUSIZ for a missile: copies and width; a copy already past the new width ends. */
  nusizMissile(i: number, value: number): void {
    this.mode[i] = value & 7;
    this.width[i] = 1 << ((value >> 4) & 3);
    if (this.rendering[i] && this.renderCounter[i] >= this.width[i]) this.rendering[i] = 0;
  }

  ballWidth(width: number): void {
    this.width[BL] = width;
  }

  /** HMOVE reaches the motion logic: every object moves until the count reaches its HM value. */
  startMovement(): void {
    this.movementClock = 0;
    this.movementInProgress = true;
    this.moving.fill(1);
  }

  /**
   * A movement tick (every 4th colour clock while moving). With `apply` (in HBLANK) each object
   * still moving gets one extra pulse; elsewhere only the counts advance (6502.ts gives no
   * extra pulse on the visible line). The pulses' outputs go to `lastOutput`.
   */
  movementTick(apply: boolean, patterns: Int32Array): void {
    const count = this.movementClock > 15 ? 0 : this.movementClock;
    let any = false;
    for (let i = 0; i < 5; i++) {
      this.lastMovementTick[i] = this.counter[i];
      if (count === this.stopAt[i]) this.moving[i] = 0;
      if (this.moving[i]) {
        any = true;
        if (apply) {
          const out = i < 2 ? this.tickPlayer(i, patterns[i]) : this.tickMissile(i, patterns[i], false);
          this.lastOutput = out ? this.lastOutput | OBJECT_LAYER_BIT[i] : this.lastOutput & ~OBJECT_LAYER_BIT[i];
        }
      }
    }
    this.movementInProgress = any;
    this.movementClock++;
  }

  saveState(): Record<string, unknown> {
    const state: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this)) state[key] = ArrayBuffer.isView(value) ? (value as Int32Array).slice() : value;
    return state;
  }

  loadState(state: Record<string, unknown>): void {
    for (const [key, value] of Object.entries(state)) {
      const own = (this as unknown as Record<string, unknown>)[key];
      if (ArrayBuffer.isView(own)) (own as Int32Array).set(value as Int32Array);
      else (this as unknown as Record<string, unknown>)[key] = value;
    }
  }
}

const scratch = new Int32Array(3);

/**
 * Per players' NUSIZ mode (PLAYER_*) and per missile mode x 4 + log2(width) (MISSILE_*; the
 * ball: mode 0), for a steady run: which pattern bit a pulse at each counter value shows, as the
 * left shift that brings it to bit 7 (8: none) (`*_PIXEL`, the circle twice); and how many counter values in
 * [0, j) (j up to 320: the circle twice) show one when the graphics have it (`*_SHOWS`).
 */
const PLAYER_PIXEL: Uint8Array[] = [], MISSILE_PIXEL: Uint8Array[] = [];
const PLAYER_SHOWS: Uint16Array[] = [], MISSILE_SHOWS: Uint16Array[] = [];
{
  const probe = new MotionObjects();
  const tables = (i: number, pixels: Uint8Array[], shows: Uint16Array[]) => {
    const pixel = new Uint8Array(320).fill(8), prefix = new Uint16Array(321);
    for (let c = 0; c < 160; c++) {
      probe.setRegular(i, c);
      if (probe.output(i, 0xff)) pixel[c] = pixel[c + 160] = i < 2 ? probe.sample[i] : 0;
    }
    for (let j = 0; j < 320; j++) prefix[j + 1] = prefix[j] + (pixel[j] < 8 ? 1 : 0);
    pixels.push(pixel); shows.push(prefix);
  };
  for (let mode = 0; mode < 8; mode++) {
    probe.mode[P0] = mode;
    tables(P0, PLAYER_PIXEL, PLAYER_SHOWS);
    probe.mode[M0] = mode;
    for (let w = 1; w <= 8; w <<= 1) { probe.width[M0] = w; tables(M0, MISSILE_PIXEL, MISSILE_SHOWS); }
  }
}
