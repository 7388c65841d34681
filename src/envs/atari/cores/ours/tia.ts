/**
 * The TIA of our 2600 core, lazy: nothing runs per colour clock. The CPU runs ahead; before a
 * TIA register changes (and at the end of a frame) the TIA draws the pixels since its last
 * update in one span with the registers as they were. Lines without writes are drawn whole.
 * When nobody will look at a frame (`observe = false`), spans only compute collisions, and
 * only where two objects or an object and the playfield can meet.
 *
 * Model (first version; see docs/emulator-core.md for what is exact and what is not yet):
 * a register write takes effect at the colour clock ending its CPU cycle; objects have a
 * pixel position 0-159; RESPx puts a player at the write's pixel + 5 (missiles and ball + 4;
 * during HBLANK at 3 and 2); HMOVE moves all objects at once and blanks the first 8 pixels
 * of its line (the HMOVE bar) when written during HBLANK.
 */

export const CLOCKS_PER_LINE = 228;

/**
 * Colour clocks from the start of the CPU's write cycle until a register's new value shows:
 * 3 (the end of the cycle) for most, one more for VBLANK, GRP0/1 and ENAM0/1/ENABL, two more for
 * the playfield (which then waits for its next 4-pixel cell). Measured against 6502.ts with
 * test/envs/core2600/fixtures/kernelRom.ts.
 */
const WRITE_DELAY = new Int32Array(64).fill(3);
for (const register of [0x01, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f]) WRITE_DELAY[register] = 4;
for (const register of [0x0d, 0x0e, 0x0f]) WRITE_DELAY[register] = 5;
const DELAYS = (globalThis as { TIA_DELAYS?: Record<number, number> }).TIA_DELAYS ?? {}; // calibration aid
for (const [register, delay] of Object.entries(DELAYS)) WRITE_DELAY[Number(register)] = delay;
const HBLANK = 68;

/** Copy offsets (in pixels) of NUSIZ modes 0-7, and the player's pixel width. */
const COPIES = [[0], [0, 16], [0, 32], [0, 16, 32], [0, 64], [0], [0, 32, 64], [0]];
const PLAYER_SCALE = [1, 1, 1, 1, 1, 2, 1, 4];

// Collision bits, as the read registers report them (CXM0P bit 7 is M0-P1, and so on).
const M0P1 = 1 << 0, M0P0 = 1 << 1, M1P0 = 1 << 2, M1P1 = 1 << 3, P0PF = 1 << 4, P0BL = 1 << 5, P1PF = 1 << 6, P1BL = 1 << 7;
const M0PF = 1 << 8, M0BL = 1 << 9, M1PF = 1 << 10, M1BL = 1 << 11, BLPF = 1 << 12, P0P1 = 1 << 13, M0M1 = 1 << 14;

export interface TiaInputs {
  /** INPT4 and INPT5 pins: true when the fire button is pressed. */
  fire0: boolean;
  fire1: boolean;
  /** Paddle pot positions in [0, 1] (0: lowest resistance). */
  paddles: Float64Array;
  /** Without paddles plugged in, INPT0-3 never charge (read 0). */
  paddlesConnected: boolean;
}

export class Tia {
  /** Palette indices (colour >> 1) of the visible frame, 160 per row. */
  readonly screen: Uint8Array;
  readonly rows: number;
  /** Draw pixels (true) or only compute collisions (false) for the frame being run. */
  observe = true;
  /** Set when VSYNC goes on during the picture: the machine ends its frame there. */
  frameEnded = false;
  /**
   * The colour clock at which the picture's last row has been drawn (rows + firstRowLine lines
   * after VSYNC ended): frames also end there, as 6502.ts ends them, so RAM is compared at the
   * same moment. Infinity until VSYNC ends.
   */
  frameEndClock = Infinity;
  /** Between VSYNC's end and the end of the picture. */
  private pictureOpen = false;

  // time
  private lineStart = 0; // colour clock where the current line began
  private drawnTo = 0; // colour clock up to which this line is drawn
  private line = 0; // lines since VSYNC ended (-1 while VSYNC is on)
  private firstRowLine: number;

  // registers
  private vsync = false;
  private vblank = 0;
  private colup0 = 0; private colup1 = 0; private colupf = 0; private colubk = 0;
  private ctrlpf = 0;
  /** The 20 playfield bits in screen order, bit 19 = leftmost. */
  private playfield = 0;
  private pf0 = 0; private pf1 = 0; private pf2 = 0;
  private nusiz0 = 0; private nusiz1 = 0;
  private refp0 = false; private refp1 = false;
  private grp0 = 0; private grp1 = 0; private grp0Old = 0; private grp1Old = 0;
  private vdelp0 = false; private vdelp1 = false; private vdelbl = false;
  private enam0 = false; private enam1 = false; private enabl = false; private enablOld = false;
  private resmp0 = false; private resmp1 = false;
  private hmp0 = 0; private hmp1 = 0; private hmm0 = 0; private hmm1 = 0; private hmbl = 0;
  // Power-on positions: all object counters at 0 when the line starts (as 6502.ts resets them).
  private posP0 = 2; private posP1 = 2; private posM0 = 1; private posM1 = 1; private posBL = 1;
  /** Pixels at the left of this line blanked by an HMOVE. */
  private hmoveBlank = 0;
  collisions = 0;
  private reflectLatched = false;
  /**
   * Objects reset during this line's visible part (bits P0 1, P1 2, M0 4, M1 8): their main
   * copy starts from a decode 156 counts after the reset, so it first shows on the next line;
   * only the NUSIZ copies appear on this one.
   */
  private noMainCopy = 0;
  /** HMOVE pulses (P0 P1 M0 M1 BL) due in the next line's HBLANK. */
  private pendingMoves = [0, 0, 0, 0, 0];
  private movesPending = false;
  private readonly layers = new Uint8Array(160);
  /** Background, COLUP0, COLUP1, COLUPF and the playfield's colour (score mode: the players'), as palette indices. */
  private readonly colours = new Uint8Array(5);

  // inputs
  private dumped = false;
  private dumpReleasedCycle = 0;
  private latched = false;
  private latch0 = 0x80; private latch1 = 0x80;
  readonly inputs: TiaInputs = { fire0: false, fire1: false, paddles: new Float64Array(4).fill(0.5), paddlesConnected: false };

  /**
   * `firstRowLine`: line (counted from the end of VSYNC) shown in row 0; `pictureLines`: lines
   * after it at which a frame without a new VSYNC ends (6502.ts: 192 + 20).
   */
  constructor(rows = 210, firstRowLine = 31, private readonly pictureLines = 212) {
    this.rows = rows;
    this.firstRowLine = firstRowLine;
    this.screen = new Uint8Array(160 * rows);
  }

  /** Draws everything up to colour clock `clock` (lines in between drawn whole). */
  catchUp(clock: number): void {
    while (clock - this.lineStart >= CLOCKS_PER_LINE) {
      this.drawSpan(CLOCKS_PER_LINE);
      this.lineStart += CLOCKS_PER_LINE;
      this.drawnTo = 0;
      this.hmoveBlank = 0;
      this.noMainCopy = 0;
      if (this.line >= 0) this.line++;
      if (this.pendingMoves[0] | this.pendingMoves[1] | this.pendingMoves[2] | this.pendingMoves[3] | this.pendingMoves[4]) this.applyPendingMoves();
    }
    const h = clock - this.lineStart;
    if (h > this.drawnTo) this.drawSpan(h);
  }

  /** The colour clock at which the next line starts (for WSYNC). */
  nextLineClock(clock: number): number {
    this.catchUp(clock);
    return this.lineStart + CLOCKS_PER_LINE;
  }

  /** Draws this line from `drawnTo` to horizontal clock `until`. */
  private drawSpan(until: number): void {
    const from = Math.max(this.drawnTo, HBLANK);
    this.drawnTo = until;
    if (until <= from) return;
    const row = this.line - this.firstRowLine;
    const visible = this.observe && row >= 0 && row < this.rows;
    const xFrom = from - HBLANK, xTo = until - HBLANK;
    if (this.vblank & 2) {
      // VBLANK: black, and (as in Stella's and 6502.ts's TIA) no collisions.
      if (xFrom === 0 || (xFrom <= 80 && xTo > 80)) this.reflectLatched = (this.ctrlpf & 1) !== 0;
      if (visible) this.screen.fill(0, row * 160 + xFrom, row * 160 + xTo);
      return;
    }
    if (!visible && (this.possibleCollisions() & ~this.collisions) === 0) {
      // Nobody looks, and every collision these objects could make is already latched.
      if (xFrom === 0 || (xFrom <= 80 && xTo > 80)) this.reflectLatched = (this.ctrlpf & 1) !== 0;
      return;
    }
    // Paint the objects' pixels of this span into one byte per pixel (a bit per object), then
    // resolve collisions and colours by table.
    const layers = this.layers;
    // The playfield comes from its 160-pixel row (rebuilt when PFx change); its reflect bit is
    // latched where each half starts.
    if (xFrom === 0 || (xFrom <= 80 && xTo > 80)) this.reflectLatched = (this.ctrlpf & 1) !== 0;
    const shifts = this.reflectLatched ? PF_SHIFT_REFLECTED : PF_SHIFT_NORMAL;
    const playfield = this.playfield;
    // `layers` is all zero between spans (each span clears what it set).
    if (visible && playfield) for (let x = xFrom; x < xTo; x++) layers[x] = ((playfield >> shifts[x]) & 1) << PF_LAYER_SHIFT;
    painted[0] = 160; painted[1] = 0;
    const p0 = this.vdelp0 ? this.grp0Old : this.grp0, p1 = this.vdelp1 ? this.grp1Old : this.grp1;
    const skip = this.noMainCopy;
    if (p0) paintPlayer(layers, L_P0, p0, this.posP0, this.nusiz0, this.refp0, xFrom, xTo, skip & 1);
    if (p1) paintPlayer(layers, L_P1, p1, this.posP1, this.nusiz1, this.refp1, xFrom, xTo, (skip >> 1) & 1);
    if (this.enam0 && !this.resmp0) paintCopies(layers, L_M0, this.posM0, this.nusiz0, 1 << ((this.nusiz0 >> 4) & 3), xFrom, xTo, (skip >> 2) & 1);
    if (this.enam1 && !this.resmp1) paintCopies(layers, L_M1, this.posM1, this.nusiz1, 1 << ((this.nusiz1 >> 4) & 3), xFrom, xTo, (skip >> 3) & 1);
    if (this.vdelbl ? this.enablOld : this.enabl) paint(layers, L_BL, this.posBL, 1 << ((this.ctrlpf >> 4) & 3), xFrom, xTo);
    let collisions = this.collisions;
    if (!visible) {
      // Every collision involves a moving object: only the pixels they cover can set one.
      if (playfield) for (let x = painted[0]; x < painted[1]; x++) layers[x] |= ((playfield >> shifts[x]) & 1) << PF_LAYER_SHIFT;
      for (let x = painted[0]; x < painted[1]; x++) { collisions |= COLLISIONS[layers[x]]; layers[x] = 0; }
      this.collisions = collisions;
      return;
    }
    // Score colours only without PF priority (the TIA ignores score mode then).
    const score = (this.ctrlpf & 6) === 2;
    const source = this.ctrlpf & 4 ? SOURCE_PRIORITY : score ? SOURCE_SCORE : SOURCE_NORMAL;
    const colours = this.colours;
    colours[0] = this.colubk >> 1; colours[1] = this.colup0 >> 1; colours[2] = this.colup1 >> 1; colours[3] = this.colupf >> 1;
    const screen = this.screen, base = row * 160;
    const middle = Math.min(Math.max(80, xFrom), xTo);
    colours[4] = (score ? this.colup0 : this.colupf) >> 1;
    for (let x = xFrom; x < middle; x++) {
      const layer = layers[x];
      collisions |= COLLISIONS[layer];
      screen[base + x] = colours[source[layer]];
    }
    colours[4] = (score ? this.colup1 : this.colupf) >> 1;
    for (let x = middle; x < xTo; x++) {
      const layer = layers[x];
      collisions |= COLLISIONS[layer];
      screen[base + x] = colours[source[layer]];
    }
    if (xFrom < this.hmoveBlank) screen.fill(0, base + xFrom, base + Math.min(this.hmoveBlank, xTo));
    for (let x = xFrom; x < xTo; x++) layers[x] = 0;
    this.collisions = collisions;
  }

  /** The collision bits the objects now shown could set (all pairs of them). */
  private possibleCollisions(): number {
    let layer = 0;
    if (this.playfield) layer |= L_PF;
    if (this.vdelp0 ? this.grp0Old : this.grp0) layer |= L_P0;
    if (this.vdelp1 ? this.grp1Old : this.grp1) layer |= L_P1;
    if (this.enam0 && !this.resmp0) layer |= L_M0;
    if (this.enam1 && !this.resmp1) layer |= L_M1;
    if (this.vdelbl ? this.enablOld : this.enabl) layer |= L_BL;
    return COLLISIONS[layer];
  }

  /** The pixel an object reset at colour clock `h` (within its line) starts on. */
  private resetPosition(h: number, offset: number, hblankPosition: number): number {
    return h < HBLANK ? hblankPosition : (h - HBLANK + offset) % 160;
  }

  /** A register write at colour clock `clock` (the end of the CPU's write cycle) and CPU cycle `cycle`. */
  write(address: number, value: number, cycleClock: number, cycle: number): void {
    let clock = cycleClock + WRITE_DELAY[address];
    if (address >= 0x0d && address <= 0x0f) {
      // The playfield is read at its 4-pixel cell edges: a new value shows from the next cell on.
      this.catchUp(clock);
      const x = clock - this.lineStart - HBLANK;
      if (x > 0) clock += (4 - (x & 3)) & 3;
    }
    this.catchUp(clock);
    const h = clock - this.lineStart;
    switch (address & 0x3f) {
      case 0x00: {
        const on = (value & 2) !== 0;
        if (on && !this.vsync) {
          if (this.line >= this.firstRowLine && this.pictureOpen) this.frameEnded = true;
          this.pictureOpen = false;
          this.line = -1;
          this.frameEndClock = Infinity;
        } else if (!on && this.vsync) {
          this.line = 0;
          this.pictureOpen = true;
          this.frameEndClock = this.lineStart + (this.firstRowLine + this.pictureLines) * CLOCKS_PER_LINE;
        }
        this.vsync = on;
        break;
      }
      case 0x01:
        if (value & 0x80) this.dumped = true;
        else if (this.dumped) { this.dumped = false; this.dumpReleasedCycle = cycle; }
        if (value & 0x40) this.latched = true;
        else { this.latched = false; this.latch0 = this.latch1 = 0x80; }
        this.vblank = value;
        break;
      case 0x03:
        // RSYNC: the horizontal counter restarts; this line ends 3 clocks from now.
        this.lineStart = clock + 3 - CLOCKS_PER_LINE;
        this.drawnTo = CLOCKS_PER_LINE - 3;
        if (this.frameEndClock !== Infinity) this.frameEndClock = this.lineStart + (this.frameEndLines() + 1) * CLOCKS_PER_LINE;
        break;
      case 0x04: this.nusiz0 = value; break;
      case 0x05: this.nusiz1 = value; break;
      case 0x06: this.colup0 = value; break;
      case 0x07: this.colup1 = value; break;
      case 0x08: this.colupf = value; break;
      case 0x09: this.colubk = value; break;
      case 0x0a: this.ctrlpf = value; break;
      case 0x0b: this.refp0 = (value & 8) !== 0; break;
      case 0x0c: this.refp1 = (value & 8) !== 0; break;
      case 0x0d: this.pf0 = value; this.updatePlayfield(); break;
      case 0x0e: this.pf1 = value; this.updatePlayfield(); break;
      case 0x0f: this.pf2 = value; this.updatePlayfield(); break;
      case 0x10: this.posP0 = this.resetPosition(h, 5, 3); if (h >= HBLANK) this.noMainCopy |= 1; break;
      case 0x11: this.posP1 = this.resetPosition(h, 5, 3); if (h >= HBLANK) this.noMainCopy |= 2; break;
      case 0x12: this.posM0 = this.resetPosition(h, 4, 2); if (h >= HBLANK) this.noMainCopy |= 4; break;
      case 0x13: this.posM1 = this.resetPosition(h, 4, 2); if (h >= HBLANK) this.noMainCopy |= 8; break;
      case 0x14: this.posBL = this.resetPosition(h, 4, 2); break;
      case 0x1b: this.grp0 = value; this.grp1Old = this.grp1; break;
      case 0x1c: this.grp1 = value; this.grp0Old = this.grp0; this.enablOld = this.enabl; break;
      case 0x1d: this.enam0 = (value & 2) !== 0; break;
      case 0x1e: this.enam1 = (value & 2) !== 0; break;
      case 0x1f: this.enabl = (value & 2) !== 0; break;
      case 0x20: this.hmp0 = value >> 4; break;
      case 0x21: this.hmp1 = value >> 4; break;
      case 0x22: this.hmm0 = value >> 4; break;
      case 0x23: this.hmm1 = value >> 4; break;
      case 0x24: this.hmbl = value >> 4; break;
      case 0x25: this.vdelp0 = (value & 1) !== 0; break;
      case 0x26: this.vdelp1 = (value & 1) !== 0; break;
      case 0x27: this.vdelbl = (value & 1) !== 0; break;
      case 0x28: this.resmp0 = (value & 2) !== 0; if (this.resmp0) this.posM0 = (this.posP0 + missileCentre(this.nusiz0)) % 160; break;
      case 0x29: this.resmp1 = (value & 2) !== 0; if (this.resmp1) this.posM1 = (this.posP1 + missileCentre(this.nusiz1)) % 160; break;
      case 0x2a: this.hmove(h); break;
      case 0x2b: this.hmp0 = this.hmp1 = this.hmm0 = this.hmm1 = this.hmbl = 0; break;
      case 0x2c: this.collisions = 0; break;
    }
  }

  /**
   * HMOVE at line clock `h`: the motion logic sends object j up to (HMj ^ 8) extra clock pulses,
   * one every 4 colour clocks from the first multiple of 4 at or after h + HMOVE_PULSE_OFFSET.
   * A pulse moves its object one pixel left, but only in HBLANK (elsewhere the object is being
   * clocked anyway). Written during HBLANK, HMOVE also extends this line's HBLANK by 8 clocks
   * (the black bar), which moves every object 8 pixels right. Pulses that reach the next line's
   * HBLANK move the objects there.
   */
  private hmove(h: number): void {
    const extended = h < HMOVE_EXTEND_BEFORE;
    if (extended) this.hmoveBlank = 8;
    const hblankEnd = extended ? HBLANK + 8 : HBLANK;
    const first = (h + HMOVE_PULSE_OFFSET + 3) & ~3;
    const hm = [this.hmp0, this.hmp1, this.hmm0, this.hmm1, this.hmbl];
    const now = [0, 0, 0, 0, 0];
    for (let j = 0; j < 5; j++) {
      const count = hm[j] ^ 8;
      for (let k = 0; k < count; k++) {
        const p = first + 4 * k;
        if (p < CLOCKS_PER_LINE) { if (p < hblankEnd) now[j]++; } else if (p - CLOCKS_PER_LINE < HBLANK) this.pendingMoves[j]++;
      }
      if (extended) now[j] -= 8;
    }
    this.posP0 = wrap160(this.posP0 - now[0]); this.posP1 = wrap160(this.posP1 - now[1]);
    this.posM0 = wrap160(this.posM0 - now[2]); this.posM1 = wrap160(this.posM1 - now[3]);
    this.posBL = wrap160(this.posBL - now[4]);
  }

  /** Applies the HMOVE pulses that fell into this line's HBLANK. */
  private applyPendingMoves(): void {
    const m = this.pendingMoves;
    this.posP0 = wrap160(this.posP0 - m[0]); this.posP1 = wrap160(this.posP1 - m[1]);
    this.posM0 = wrap160(this.posM0 - m[2]); this.posM1 = wrap160(this.posM1 - m[3]);
    this.posBL = wrap160(this.posBL - m[4]);
    m.fill(0);
    this.movesPending = false;
  }

  /** Lines between the current line and the one at which the frame ends. */
  private frameEndLines(): number {
    return this.firstRowLine + this.pictureLines - this.line - 1;
  }

  private updatePlayfield(): void {
    // Screen order: PF0 bits 4-7, PF1 bits 7-0, PF2 bits 0-7.
    let bits = 0;
    for (let b = 4; b < 8; b++) bits = (bits << 1) | ((this.pf0 >> b) & 1);
    for (let b = 7; b >= 0; b--) bits = (bits << 1) | ((this.pf1 >> b) & 1);
    for (let b = 0; b < 8; b++) bits = (bits << 1) | ((this.pf2 >> b) & 1);
    this.playfield = bits;
  }

  /** A TIA read at CPU cycle `cycle` (`bus`: the data bus's last value, which drives bits 0-5). */
  read(address: number, clock: number, cycle: number, bus: number): number {
    let result = 0;
    const c = this.collisions;
    switch (address & 0x0f) {
      case 0x0: this.catchUp(clock); result = (c & M0P1 ? 0x80 : 0) | (c & M0P0 ? 0x40 : 0); break;
      case 0x1: this.catchUp(clock); result = (c & M1P0 ? 0x80 : 0) | (c & M1P1 ? 0x40 : 0); break;
      case 0x2: this.catchUp(clock); result = (c & P0PF ? 0x80 : 0) | (c & P0BL ? 0x40 : 0); break;
      case 0x3: this.catchUp(clock); result = (c & P1PF ? 0x80 : 0) | (c & P1BL ? 0x40 : 0); break;
      case 0x4: this.catchUp(clock); result = (c & M0PF ? 0x80 : 0) | (c & M0BL ? 0x40 : 0); break;
      case 0x5: this.catchUp(clock); result = (c & M1PF ? 0x80 : 0) | (c & M1BL ? 0x40 : 0); break;
      case 0x6: this.catchUp(clock); result = c & BLPF ? 0x80 : 0; break;
      case 0x7: this.catchUp(clock); result = (c & P0P1 ? 0x80 : 0) | (c & M0M1 ? 0x40 : 0); break;
      case 0x8: case 0x9: case 0xa: case 0xb: result = this.paddle((address & 3), cycle) | (bus & 0x40); break;
      case 0xc: result = this.fire(0) | (bus & 0x40); break;
      case 0xd: result = this.fire(1) | (bus & 0x40); break;
    }
    return (result & 0xc0) | (bus & 0x3f);
  }

  private fire(which: number): number {
    let value = (which === 0 ? this.inputs.fire0 : this.inputs.fire1) ? 0 : 0x80;
    if (this.latched) {
      if (which === 0) value = this.latch0 &= value; else value = this.latch1 &= value;
    }
    return value;
  }

  /**
   * A paddle's capacitor charges through the pot once VBLANK bit 7 releases it; INPTx bit 7 goes
   * high after 380 lines at full resistance (1 MOhm plus 1.8 kOhm), proportionally less below.
   */
  private paddle(which: number, cycle: number): number {
    if (this.dumped || !this.inputs.paddlesConnected) return 0;
    const r = this.inputs.paddles[which];
    const threshold = (380 * 76 * (r * 1e6 + 1800)) / (1e6 + 1800);
    return cycle - this.dumpReleasedCycle >= threshold ? 0x80 : 0;
  }

  /** Called at the start of a frame: the frame's pixels are about to be drawn. */
  startFrame(observe: boolean): void {
    this.observe = observe;
    this.frameEnded = false;
    if (this.frameEndClock <= this.lineStart) { this.frameEndClock = Infinity; this.pictureOpen = false; } // delivered
  }

  saveState(): Record<string, unknown> {
    const state: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this)) {
      if (key === 'screen' || key === 'inputs' || key === 'layers') continue; // scratch
      state[key] = Array.isArray(value) ? [...value] : value;
    }
    return state;
  }

  loadState(state: Record<string, unknown>): void {
    Object.assign(this, state);
  }
}

function wrap160(position: number): number {
  return ((position % 160) + 160) % 160;
}

const TUNING = (globalThis as { TIA_HMOVE?: { offset: number; extendBefore: number } }).TIA_HMOVE; // calibration aid
const HMOVE_PULSE_OFFSET = TUNING?.offset ?? 0;
const HMOVE_EXTEND_BEFORE = TUNING?.extendBefore ?? HBLANK;

function missileCentre(nusiz: number): number {
  const scale = PLAYER_SCALE[nusiz & 7];
  return scale === 1 ? 3 : scale === 2 ? 6 : 10;
}

// One bit per object in a pixel's layer byte.
const L_P0 = 1, L_M0 = 2, L_P1 = 4, L_M1 = 8, L_BL = 16, L_PF = 32;
const PF_LAYER_SHIFT = 5;

/** Per pixel, the shift that brings its playfield bit (19 = leftmost cell) to bit 0: right half copied, or reflected. */
const PF_SHIFT_NORMAL = new Uint8Array(160), PF_SHIFT_REFLECTED = new Uint8Array(160);
for (let x = 0; x < 160; x++) {
  const cell = x >> 2;
  PF_SHIFT_NORMAL[x] = 19 - (x < 80 ? cell : cell - 20);
  PF_SHIFT_REFLECTED[x] = 19 - (x < 80 ? cell : 39 - cell);
}

/** The collision bits each combination of objects on a pixel sets. */
const COLLISIONS = new Uint16Array(64);
/** Which colour each combination shows (0 background, 1 COLUP0, 2 COLUP1, 3 COLUPF, 4 playfield colour), per priority mode. */
const SOURCE_NORMAL = new Uint8Array(64), SOURCE_SCORE = new Uint8Array(64), SOURCE_PRIORITY = new Uint8Array(64);
for (let layer = 0; layer < 64; layer++) {
  const has = (bit: number) => (layer & bit) !== 0;
  const pairs: [number, number, number][] = [
    [L_M0, L_P1, M0P1], [L_M0, L_P0, M0P0], [L_M1, L_P0, M1P0], [L_M1, L_P1, M1P1], [L_P0, L_PF, P0PF], [L_P0, L_BL, P0BL],
    [L_P1, L_PF, P1PF], [L_P1, L_BL, P1BL], [L_M0, L_PF, M0PF], [L_M0, L_BL, M0BL], [L_M1, L_PF, M1PF], [L_M1, L_BL, M1BL],
    [L_BL, L_PF, BLPF], [L_P0, L_P1, P0P1], [L_M0, L_M1, M0M1],
  ];
  for (const [a, b, bit] of pairs) if (has(a) && has(b)) COLLISIONS[layer] |= bit;
  const p0 = has(L_P0) || has(L_M0), p1 = has(L_P1) || has(L_M1), bl = has(L_BL), pf = has(L_PF);
  // Highest first. Normal: P0 M0 P1 M1 BL PF. Score: P0 M0 PF P1 M1 BL. Priority: BL PF P0 M0 P1 M1.
  SOURCE_NORMAL[layer] = p0 ? 1 : p1 ? 2 : bl || pf ? 3 : 0;
  SOURCE_SCORE[layer] = p0 ? 1 : pf ? 4 : p1 ? 2 : bl ? 3 : 0;
  SOURCE_PRIORITY[layer] = bl ? 3 : pf ? 3 : p0 ? 1 : p1 ? 2 : 0;
}

/** Sets `bit` on the pixels [start, start + width) (modulo 160) that fall in [xFrom, xTo). */
function paint(layers: Uint8Array, bit: number, start: number, width: number, xFrom: number, xTo: number): void {
  // Only the part inside the span is visited: the object's own run, and its wrapped tail.
  paintRun(layers, bit, start > xFrom ? start : xFrom, start + width < xTo ? start + width : xTo);
  if (start + width > 160) paintRun(layers, bit, xFrom, start + width - 160 < xTo ? start + width - 160 : xTo);
}

/** The pixels the objects of the current span cover lie in painted[0], painted[1]. */
const painted = new Int32Array(2); // [lo, hi)

function paintRun(layers: Uint8Array, bit: number, lo: number, hi: number): void {
  if (lo >= hi) return;
  for (let x = lo; x < hi; x++) layers[x] |= bit;
  if (lo < painted[0]) painted[0] = lo;
  if (hi > painted[1]) painted[1] = hi;
}

function paintCopies(layers: Uint8Array, bit: number, position: number, nusiz: number, width: number, xFrom: number, xTo: number, firstCopy: number): void {
  const copies = COPIES[nusiz & 7];
  for (let c = firstCopy; c < copies.length; c++) paint(layers, bit, (position + copies[c]) % 160, width, xFrom, xTo);
}

/** GRPx with its bits in reverse order (REFPx). */
const REVERSED = new Uint8Array(256);
for (let g = 0; g < 256; g++) for (let b = 0; b < 8; b++) if ((g >> b) & 1) REVERSED[g] |= 0x80 >> b;

function paintPlayer(layers: Uint8Array, bit: number, graphics: number, position: number, nusiz: number, reflected: boolean, xFrom: number, xTo: number, firstCopy: number): void {
  const mode = nusiz & 7;
  const scale = PLAYER_SCALE[mode];
  const copies = COPIES[mode];
  const delay = scale > 1 ? 1 : 0; // stretched players start one pixel later
  const pattern = reflected ? REVERSED[graphics] : graphics; // leftmost pixel in bit 7
  const width = 8 * scale;
  for (let c = firstCopy; c < copies.length; c++) {
    const start = (position + copies[c] + delay) % 160;
    paintPattern(layers, bit, pattern, scale, start, width, xFrom, xTo);
    if (start + width > 160) paintPattern(layers, bit, pattern, scale, start - 160, width, xFrom, xTo);
  }
}

/** The pixels of one player copy at [start, start + width) that fall in [xFrom, xTo) (start may be negative: a wrapped tail). */
function paintPattern(layers: Uint8Array, bit: number, pattern: number, scale: number, start: number, width: number, xFrom: number, xTo: number): void {
  const lo = start > xFrom ? start : xFrom, hi = start + width < xTo ? start + width : xTo;
  if (lo >= hi) return;
  const shift = scale === 1 ? 0 : scale === 2 ? 1 : 2;
  for (let x = lo; x < hi; x++) if ((pattern << ((x - start) >> shift)) & 0x80) layers[x] |= bit;
  if (lo < painted[0]) painted[0] = lo;
  if (hi > painted[1]) painted[1] = hi;
}
