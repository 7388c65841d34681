/**
 * The TIA of our 2600 core, lazy: nothing runs per colour clock. The CPU runs ahead; before a
 * TIA register changes (and at the end of a frame) the TIA draws the pixels since its last
 * update in one span with the registers as they were. Lines without writes are drawn whole, and
 * a write that changes nothing shown ends no span. When nobody will look at a frame
 * (`observe = false`), spans only compute collisions, and only where two objects or an object
 * and the playfield can meet.
 *
 * Objects have two representations. Normally a pixel position 0-159 each, from which each
 * object's line mask (lineMasks.ts) is built when what it depends on changes: spans take their
 * collisions and their object pixels from the masks. While something irregular goes on (HMOVE's movement, which ticks every 4 colour
 * clocks and reaches into the next line; a reset, NUSIZ or RESMP change while a copy is drawn)
 * the TIA switches to `MotionObjects`, the chip's counters pulsed one colour clock at a time,
 * and back to positions as soon as the two agree (see docs/emulator-core.md).
 */

import { MotionObjects, OBJECT_LAYER_BIT, P0, P1, M0, M1, BL } from './tiaObjects.js';
import { MASK_WORDS, REVERSED, clearMask, foldWrap, orRun, playerRun, playfieldMask, spanWord } from './lineMasks.js';

export const CLOCKS_PER_LINE = 228;

/**
 * Colour clocks from the start of the CPU's write cycle until a register's new value shows:
 * 3 (the end of the cycle) for most, one more for VBLANK, REFP0/1, GRP0/1 and ENAM0/1/ENABL, two more for
 * the playfield (which then waits for its next 4-pixel cell). Measured against 6502.ts with
 * test/envs/core2600/fixtures/kernelRom.ts.
 */
const WRITE_DELAY = new Int32Array(64).fill(3);
for (const register of [0x01, 0x0b, 0x0c, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f]) WRITE_DELAY[register] = 4;
for (const register of [0x0d, 0x0e, 0x0f]) WRITE_DELAY[register] = 5;
// HMxx and HMCLR reach the motion registers 2 clocks after the write, HMOVE starts the movement 6 after.
for (const register of [0x20, 0x21, 0x22, 0x23, 0x24, 0x2b]) WRITE_DELAY[register] = 5;
WRITE_DELAY[0x2a] = 9;
const DELAYS = (globalThis as { TIA_DELAYS?: Record<number, number> }).TIA_DELAYS ?? {}; // calibration aid
for (const [register, delay] of Object.entries(DELAYS)) WRITE_DELAY[Number(register)] = delay;
const HBLANK = 68;
/** The end of HBLANK on a line whose HBLANK an HMOVE extended (the 8-pixel bar). */
const HBLANK_EXTENDED = 76;
/** Counter value at pixel `position` (players: the first pixel of the main copy shows at counter 2, the others at 1). */
const COUNTER_AT_POSITION = [2, 2, 1, 1, 1];

/** Copy offsets (in pixels) of NUSIZ modes 0-7, and the player's pixel width. */
const COPIES = [[0], [0, 16], [0, 32], [0, 16, 32], [0, 64], [0], [0, 32, 64], [0]];
const PLAYER_SCALE = [1, 1, 1, 1, 1, 2, 1, 4];

// Collision bits, as the read registers report them (CXM0P bit 7 is M0-P1, and so on).
const M0P1 = 1 << 0, M0P0 = 1 << 1, M1P0 = 1 << 2, M1P1 = 1 << 3, P0PF = 1 << 4, P0BL = 1 << 5, P1PF = 1 << 6, P1BL = 1 << 7;
const M0PF = 1 << 8, M0BL = 1 << 9, M1PF = 1 << 10, M1BL = 1 << 11, BLPF = 1 << 12, P0P1 = 1 << 13, M0M1 = 1 << 14;
/** The collisions between two movable objects (the others involve the playfield). */
const OBJECT_PAIRS = M0P1 | M0P0 | M1P0 | M1P1 | P0BL | P1BL | M0BL | M1BL | P0P1 | M0M1;

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
  /** The screen as words (four pixels each): playfield cells are filled, RGB conversion reads, a word at a time. */
  readonly screenWords: Uint32Array;
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
  /** Pixel of each object's first pixel (P0 P1 M0 M1 BL) while not `exact`. */
  private readonly position = new Int32Array([2, 2, 1, 1, 1]);
  /** The chip's counters, in charge while `exact` (from power-on, when no copy is being drawn yet). */
  private readonly objects = new MotionObjects();
  private exact = true;
  /** Line clock where this line's HBLANK ends: 68, or 76 after an HMOVE in HBLANK. */
  private hblankEnd = HBLANK;
  /** An HMOVE reached the motion logic on this line (a second one does not extend HBLANK again). */
  private hmoveThisLine = false;
  /** The playfield as the line began (its leftmost bit takes part in collisions during HBLANK's movement). */
  private playfieldAtLineStart = 0;
  collisions = 0;
  private reflectLatched = false;
  /** Lines since the last change (6502.ts's line cache); a line that starts at 2 or more is `cachedLine`. */
  private linesSinceChange = 0;
  /** Object pulses given in closed form (visible clocks drawn from positions), and their count when the exact counters last handed over. */
  private pulses = 0;
  private pulsesWhenLeft = 0;
  /** Take HMOVEs in HBLANK in closed form where that is exact (off: always the exact counters; tests compare the two). */
  closedFormHmove = true;
  /**
   * An HMOVE in HBLANK taken in closed form (`moveInClosedForm`): the line clock it reached the
   * motion logic, the colour clock of its movement's last tick (-1: none taken), the objects
   * that could show a pixel during their movement pulses (their graphics were off), and what it
   * changed (positions, counters, last movement ticks, starfield widths, pulsesWhenLeft), so
   * that a write meeting the movement before its end can run it exactly instead.
   */
  private closedMoveAt = 0;
  private closedMoveEnd = -1;
  private closedMoveShows = 0;
  private readonly closedMoveSaved = new Int32Array(22);
  /** Scratch: each object's counter at pixel 0 when an HMOVE is taken in closed form. */
  private readonly moveStart = new Int32Array(5);
  private cachedLine = false;
  /** Per object, what a pulse shows: players' patterns (leftmost pixel in bit 7), missiles' and ball's enable (0/1). */
  private readonly patterns = new Int32Array(5);
  private readonly layers = new Uint8Array(160);
  /** Line masks of P0 P1 M0 M1 BL and the playfield (lineMasks.ts). */
  private readonly masks = new Int32Array(6 * MASK_WORDS);
  /** The objects (and playfield) now shown, as layer bits: the ones that can collide and need painting. */
  private shown = 0;
  /** The masks (layer bits) that what they are built from changed since: registers, positions, the latched reflect bit. */
  private maskDirty = ALL_LAYERS;
  /** Where each object's extent (a line mask, `mayMeet`) starts in EXTENTS, and per 32-pixel word the collision bits whose objects' extents share it. */
  private readonly extentAt = new Int32Array(5);
  private readonly pairsInWord = new Int32Array(5);
  private pairsInLine = 0;
  /** The objects (layer bits) whose extents changed since `extentAt` and the pair words were built. */
  private extentsStale = ALL_LAYERS;
  /** Background, COLUP0, COLUP1, COLUPF and the playfield's colour on the left and right half (score mode: the players'), as palette indices. */
  private readonly colours = new Uint8Array(6);

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
    this.screenWords = new Uint32Array(this.screen.buffer);
  }

  /** Draws everything up to colour clock `clock` (lines in between drawn whole). */
  catchUp(clock: number): void {
    while (clock - this.lineStart >= CLOCKS_PER_LINE) {
      if (this.cachedLine) this.repeatRow();
      else this.drawSpan(CLOCKS_PER_LINE);
      this.lineStart += CLOCKS_PER_LINE;
      this.drawnTo = 0;
      this.hblankEnd = HBLANK;
      this.hmoveThisLine = false;
      this.playfieldAtLineStart = this.playfield;
      if (this.line >= 0) this.line++;
      if (!this.objects.movementInProgress) this.linesSinceChange++;
      if (this.line === this.firstRowLine && this.pictureOpen) this.linesSinceChange = 0;
      this.cachedLine = this.linesSinceChange >= 2;
    }
    const h = clock - this.lineStart;
    if (h > this.drawnTo) this.drawSpan(h);
  }

  /** The colour clock at which the next line starts (for WSYNC). */
  nextLineClock(clock: number): number {
    if (clock - this.lineStart >= CLOCKS_PER_LINE) this.catchUp(clock); // only the line's start is needed here
    return this.lineStart + CLOCKS_PER_LINE;
  }

  /**
   * 6502.ts's line cache, which its pictures (and so ours) follow: once two lines have passed
   * with no register change that could alter the picture, a line is not run at all: it repeats
   * the row above, collisions are not checked, and the objects' counters stand still (which
   * shows when a copy straddles the line's start). A change during such a line runs it from
   * its start after all (`flushLineCache`).
   */
  private repeatRow(): void {
    const row = this.line - this.firstRowLine;
    if (this.observe && row > 0 && row < this.rows) this.screen.copyWithin(row * 160, (row - 1) * 160, row * 160);
  }

  /**
   * A write 6502.ts counts as a change (one that can alter the picture; `write` says which, as
   * 6502.ts's TIA does), at line clock h, before it applies: a cached line is run up to h after all.
   */
  private change(h: number): void {
    this.linesSinceChange = 0;
    if (this.cachedLine) { this.cachedLine = false; this.drawSpan(h); }
  }

  /**
   * A change (see `change`) to what is shown at colour clock `clock`, the line drawn up to it
   * first; but not in a frame nobody looks at when no collision still unlatched can happen on
   * this line whatever is shown (the objects' extents): the span before the write would set
   * nothing, drawn now or later with what is shown then (within the line, so that the change
   * lands on it). Where what is shown now can latch none (a hidden ball, say, whose pairs are
   * the only ones left), drawing the span now is a few checks: the extents are not asked.
   */
  private changeAt(clock: number): void {
    if (!this.observe && !this.exact && clock - this.lineStart < CLOCKS_PER_LINE && (COLLISIONS[this.shown] & ~this.collisions) !== 0) {
      if (this.extentsStale !== 0) this.updateExtents();
      if ((this.pairsInLine & ~this.collisions) === 0) { this.change(clock - this.lineStart); return; }
    }
    this.catchUp(clock);
    this.change(clock - this.lineStart);
  }

  /**
   * A colour change at `clock`: in a frame nobody looks at, colours change no collision, so the
   * span before it need not be drawn first (within the line, so that the line clock stays one of it).
   */
  private changeColourAt(clock: number): void {
    if (this.observe || clock - this.lineStart >= CLOCKS_PER_LINE) this.catchUp(clock);
    this.change(clock - this.lineStart);
  }

  /** The playfield is read at its 4-pixel cell edges: a write at `clock` shows from the next cell on. */
  private playfieldClock(clock: number): number {
    if (clock - this.lineStart >= CLOCKS_PER_LINE) this.catchUp(clock); // only the line's start is needed here
    const x = clock - this.lineStart - HBLANK;
    return x > 0 ? clock + ((4 - (x & 3)) & 3) : clock;
  }

  /** Draws this line from `drawnTo` to line clock `until`. */
  private drawSpan(until: number): void {
    if (this.cachedLine) return; // drawn, if at all, when a change comes (or repeated at the line's end)
    const start = this.drawnTo;
    this.drawnTo = until;
    if (until <= start) return;
    // The playfield's reflect bit is latched where each half starts (line clocks 68 and 148).
    if ((start <= HBLANK && until > HBLANK) || (start <= HBLANK + 80 && until > HBLANK + 80)) {
      const reflect = (this.ctrlpf & 1) !== 0;
      if (reflect !== this.reflectLatched) { this.reflectLatched = reflect; this.maskDirty |= L_PF; }
    }
    if (this.exact) { this.drawSpanExact(start, until); return; }
    const from = start > this.hblankEnd ? start : this.hblankEnd;
    if (until <= from) return;
    const xFrom = from - HBLANK, xTo = until - HBLANK;
    this.pulses += xTo - xFrom;
    const row = this.line - this.firstRowLine;
    const visible = this.observe && row >= 0 && row < this.rows;
    if (this.vblank & 2) {
      // VBLANK: black, and (as in Stella's and 6502.ts's TIA) no collisions.
      if (visible) this.screen.fill(0, row * 160 + xFrom, row * 160 + xTo);
      return;
    }
    // Only the collisions these objects could make and that are not latched yet, and only the
    // objects taking part in one.
    const shown = this.shown;
    const pending = COLLISIONS[shown] & ~this.collisions;
    if (visible) {
      this.buildMasks(shown);
      if (pending !== 0 && this.mayMeet(xFrom, xTo, pending)) this.collideInSpan(xFrom, xTo, OBJECTS_IN[pending]);
      this.paintRow(row, xFrom, xTo, shown);
    } else if (pending !== 0 && this.mayMeet(xFrom, xTo, pending)) {
      const needed = OBJECTS_IN[pending];
      this.buildMasks(needed);
      this.collideInSpan(xFrom, xTo, needed);
    }
  }

  /**
   * Whether any of the collisions `pending` can happen in the pixels [xFrom, xTo) at all: where
   * the two objects' extents (every pixel their copies could show, whatever the graphics) share a
   * 32-pixel word (the playfield: anywhere). Extents change only with positions, so most spans of
   * a frame nobody looks at end here, without building a mask.
   */
  private mayMeet(xFrom: number, xTo: number, pending: number): boolean {
    if (this.extentsStale !== 0) this.updateExtents();
    const pairs = this.pairsInWord;
    for (let w = xFrom >> 5, last = (xTo - 1) >> 5; w <= last; w++) if (pairs[w] & pending) return true;
    return false;
  }

  /** The objects' extents from their positions, NUSIZ and the ball's width, and the collisions each word of the line can hold. */
  private updateExtents(): void {
    const stale = this.extentsStale;
    this.extentsStale = 0;
    const at = this.extentAt, position = this.position;
    for (let i = 0; i < 5; i++) {
      if ((stale & LAYER_BIT[i]) === 0) continue;
      // A copy of the object's extent at pixel 0, rotated to its position (tables per NUSIZ mode and width).
      const nusiz = i === P0 || i === M0 ? this.nusiz0 : i === P1 || i === M1 ? this.nusiz1 : 0;
      const key = i < 2 ? nusiz & 7 : 8 + (nusiz & 7) * 4 + (((i === BL ? this.ctrlpf : nusiz) >> 4) & 3);
      at[i] = (key * 160 + position[i]) * 5;
    }
    const e = EXTENTS, p0At = at[P0], p1At = at[P1], m0At = at[M0], m1At = at[M1], blAt = at[BL];
    let line = 0;
    for (let w = 0; w < 5; w++) {
      const p0 = e[p0At + w], p1 = e[p1At + w], m0 = e[m0At + w], m1 = e[m1At + w], bl = e[blAt + w];
      // The playfield may be anywhere: a pair with it needs only the object. Two objects can meet
      // only in a word both reach (most words hold one object or none).
      const reach = nonZero(p0) * L_P0 | nonZero(m0) * L_M0 | nonZero(p1) * L_P1 | nonZero(m1) * L_M1 | nonZero(bl) * L_BL;
      let pairs = COLLISIONS[reach | L_PF] & ~OBJECT_PAIRS;
      if ((reach & (reach - 1)) !== 0) {
        pairs |= nonZero(m0 & p1) * M0P1 | nonZero(m0 & p0) * M0P0 | nonZero(m1 & p0) * M1P0 | nonZero(m1 & p1) * M1P1 | nonZero(p0 & bl) * P0BL |
          nonZero(p1 & bl) * P1BL | nonZero(m0 & bl) * M0BL | nonZero(m1 & bl) * M1BL | nonZero(p0 & p1) * P0P1 | nonZero(m0 & m1) * M0M1;
      }
      this.pairsInWord[w] = pairs;
      line |= pairs;
    }
    this.pairsInLine = line;
  }

  /** Brings the line masks of the objects `objects` (layer bits) up to date: those a write changed since they were built (`maskDirty`). */
  private buildMasks(objects: number): void {
    objects &= this.maskDirty;
    if (objects === 0) return;
    this.maskDirty &= ~objects;
    if (objects & L_P0) this.playerMask(MASK_P0, this.vdelp0 ? this.grp0Old : this.grp0, this.refp0, this.nusiz0, this.position[P0]);
    if (objects & L_P1) this.playerMask(MASK_P1, this.vdelp1 ? this.grp1Old : this.grp1, this.refp1, this.nusiz1, this.position[P1]);
    if (objects & L_M0) this.missileMask(MASK_M0, this.nusiz0, this.position[M0]);
    if (objects & L_M1) this.missileMask(MASK_M1, this.nusiz1, this.position[M1]);
    if (objects & L_BL) this.ballMask(this.position[BL]);
    if (objects & L_PF) playfieldMask(this.masks, MASK_PF, this.playfield, this.reflectLatched);
  }

  /** Collisions of the objects `needed` (layer bits, their masks built) over the pixels [xFrom, xTo): a few word ANDs. */
  private collideInSpan(xFrom: number, xTo: number, needed: number): void {
    const masks = this.masks;
    let c = this.collisions;
    // Masks of objects not needed may be stale: they take part as zero (-bit >> 31: -1 for a set bit, 0 else).
    const e0 = -(needed & L_P0) >> 31, e1 = -(needed & L_P1) >> 31, e2 = -(needed & L_M0) >> 31;
    const e3 = -(needed & L_M1) >> 31, e4 = -(needed & L_BL) >> 31, e5 = -(needed & L_PF) >> 31;
    for (let w = xFrom >> 5, last = (xTo - 1) >> 5; w <= last; w++) {
      const span = spanWord(w, xFrom, xTo);
      const p0 = masks[MASK_P0 + w] & span & e0, p1 = masks[MASK_P1 + w] & span & e1;
      const m0 = masks[MASK_M0 + w] & span & e2, m1 = masks[MASK_M1 + w] & span & e3;
      const bl = masks[MASK_BL + w] & span & e4, pf = masks[MASK_PF + w] & span & e5;
      if ((p0 | p1 | m0 | m1 | bl) === 0) continue; // every collision involves a movable object
      if (m0 & p1) c |= M0P1;
      if (m0 & p0) c |= M0P0;
      if (m1 & p0) c |= M1P0;
      if (m1 & p1) c |= M1P1;
      if (p0 & pf) c |= P0PF;
      if (p0 & bl) c |= P0BL;
      if (p1 & pf) c |= P1PF;
      if (p1 & bl) c |= P1BL;
      if (m0 & pf) c |= M0PF;
      if (m0 & bl) c |= M0BL;
      if (m1 & pf) c |= M1PF;
      if (m1 & bl) c |= M1BL;
      if (bl & pf) c |= BLPF;
      if (p0 & p1) c |= P0P1;
      if (m0 & m1) c |= M0M1;
    }
    this.collisions = c;
  }

  /** Playfield (colour `pf`) or background on the pixels [xFrom, xTo) from `base`: whole 4-pixel cells as one word store each. */
  private paintCells(base: number, xFrom: number, xTo: number, playfield: number, shifts: Uint8Array, pf: number, background: number): void {
    const screen = this.screen, words = this.screenWords;
    // Branch-free choices (-bit is all ones for a playfield pixel): the bits are as good as random.
    const pfOrNot = pf ^ background;
    let x = xFrom;
    for (; x < xTo && (x & 3) !== 0; x++) screen[base + x] = background ^ (pfOrNot & -((playfield >> shifts[x]) & 1));
    // Four equal bytes (rows start on a word: 160 is a multiple of 4).
    const backgroundWord = Math.imul(background, 0x01010101), pfOrNotWord = Math.imul(pfOrNot, 0x01010101);
    for (const cellsEnd = xTo & ~3; x < cellsEnd; x += 4) words[(base + x) >> 2] = backgroundWord ^ (pfOrNotWord & -((playfield >> shifts[x]) & 1));
    for (; x < xTo; x++) screen[base + x] = background ^ (pfOrNot & -((playfield >> shifts[x]) & 1));
  }

  /**
   * Row `row`'s pixels [xFrom, xTo) from the line masks of the objects `shown` (built): the
   * playfield or background a 4-pixel cell at a time, then each object pixel by priority.
   */
  private paintRow(row: number, xFrom: number, xTo: number, shown: number): void {
    const screen = this.screen, base = row * 160, colours = this.colours;
    const background = colours[0], pfLeft = colours[4], pfRight = colours[5];
    const playfield = this.playfield, shifts = this.reflectLatched ? PF_SHIFT_REFLECTED : PF_SHIFT_NORMAL;
    const middle = xTo < 80 ? xTo : xFrom > 80 ? xFrom : 80;
    this.paintCells(base, xFrom, middle, playfield, shifts, pfLeft, background);
    this.paintCells(base, middle, xTo, playfield, shifts, pfRight, background);
    if ((shown & ~L_PF) === 0) return;
    // Score colours only without PF priority (the TIA ignores score mode then).
    const source = this.ctrlpf & 4 ? SOURCE_PRIORITY : (this.ctrlpf & 2) !== 0 ? SOURCE_SCORE : SOURCE_NORMAL;
    const masks = this.masks;
    // Masks of objects not shown may be stale: they take part as zero (-bit >> 31: -1 for a set bit, 0 else).
    const e0 = -(shown & L_P0) >> 31, e1 = -(shown & L_P1) >> 31, e2 = -(shown & L_M0) >> 31;
    const e3 = -(shown & L_M1) >> 31, e4 = -(shown & L_BL) >> 31, e5 = -(shown & L_PF) >> 31;
    for (let w = xFrom >> 5, last = (xTo - 1) >> 5; w <= last; w++) {
      const p0 = masks[MASK_P0 + w] & e0, p1 = masks[MASK_P1 + w] & e1, m0 = masks[MASK_M0 + w] & e2;
      const m1 = masks[MASK_M1 + w] & e3, bl = masks[MASK_BL + w] & e4, pf = masks[MASK_PF + w] & e5;
      let objects = (p0 | p1 | m0 | m1 | bl) & spanWord(w, xFrom, xTo);
      while (objects !== 0) {
        const b = 31 - Math.clz32(objects & -objects);
        objects &= objects - 1;
        const layer = ((p0 >>> b) & 1) * L_P0 | ((m0 >>> b) & 1) * L_M0 | ((p1 >>> b) & 1) * L_P1 | ((m1 >>> b) & 1) * L_M1 | ((bl >>> b) & 1) * L_BL | ((pf >>> b) & 1) * L_PF;
        const s = source[layer], px = 32 * w + b;
        screen[base + px] = s === 4 ? (px < 80 ? pfLeft : pfRight) : colours[s];
      }
    }
  }

  /** Builds a player's line mask (as `paintPlayer` paints it). */
  private playerMask(base: number, graphics: number, reflected: boolean, nusiz: number, position: number): void {
    const mode = nusiz & 7;
    const masks = this.masks, scale = PLAYER_SCALE[mode], copies = COPIES[mode];
    const run = playerRun(reflected ? graphics : REVERSED[graphics], scale); // leftmost pixel in bit 0
    const delay = scale > 1 ? 1 : 0; // stretched players start one pixel later
    clearMask(masks, base);
    for (let c = 0; c < copies.length; c++) orRun(masks, base, (position + copies[c] + delay) % 160, run, 8 * scale);
    foldWrap(masks, base);
  }

  /** Builds a missile's line mask (as `paintCopies` paints it): NUSIZ's copies and width. */
  private missileMask(base: number, nusiz: number, position: number): void {
    const masks = this.masks, copies = COPIES[nusiz & 7], width = 1 << ((nusiz >> 4) & 3);
    clearMask(masks, base);
    for (let c = 0; c < copies.length; c++) orRun(masks, base, (position + copies[c]) % 160, (1 << width) - 1, width);
    foldWrap(masks, base);
  }

  private ballMask(position: number): void {
    const width = 1 << ((this.ctrlpf >> 4) & 3);
    clearMask(this.masks, MASK_BL);
    orRun(this.masks, MASK_BL, position, (1 << width) - 1, width);
    foldWrap(this.masks, MASK_BL);
  }

  /** drawSpan while the exact counters are in charge (they may hand over to positions within the span). */
  private drawSpanExact(start: number, until: number): void {
    this.updatePatterns();
    if (start < this.hblankEnd && this.objects.movementInProgress) this.moveInHblank(start, Math.min(until, this.hblankEnd));
    const from = Math.max(start, this.hblankEnd);
    if (until > from) {
      // Pixels [xFrom, fastFrom) come from the exact counters, the rest in closed form.
      const xFrom = from - HBLANK;
      const fastFrom = this.pulseVisible(from, until, (this.vblank & 2) === 0);
      painted[0] = 160; painted[1] = 0;
      if (fastFrom > xFrom) { painted[0] = xFrom; painted[1] = fastFrom; }
      this.drawVisible(from, until, fastFrom);
    }
    if (this.exact) this.leaveExact(until);
  }

  /** HBLANK while HMOVE's movement runs: a tick every 4 clocks gives each moving object a pulse. */
  private moveInHblank(start: number, end: number): void {
    const o = this.objects;
    for (let h = (start + 3) & ~3; h < end && o.movementInProgress; h += 4) {
      o.movementTick(true, this.patterns);
      // As 6502.ts does: objects pulsed now meet the others' (and the playfield's) last output.
      if (o.movementInProgress && !(this.vblank & 2)) {
        const pf = ((h <= HBLANK ? this.playfieldAtLineStart : this.playfield) >> 19) & 1;
        this.collisions |= COLLISIONS[o.lastOutput | (pf << PF_LAYER_SHIFT)];
      }
    }
  }

  /** Draws the visible line clocks [hFrom, hTo), objects from pixel `fastFrom` on in closed form (those before it are in `layers` already). */
  private drawVisible(hFrom: number, hTo: number, fastFrom: number): void {
    const row = this.line - this.firstRowLine;
    const visible = this.observe && row >= 0 && row < this.rows;
    const xFrom = hFrom - HBLANK, xTo = hTo - HBLANK;
    this.pulses += xTo - fastFrom;
    if (this.vblank & 2) {
      if (visible) this.screen.fill(0, row * 160 + xFrom, row * 160 + xTo);
      return;
    }
    if (fastFrom < xTo) this.paintObjects(fastFrom, xTo);
    if (visible) this.resolveVisible(row, xFrom, xTo);
    else this.resolveCollisions(true);
  }

  /** Paints the objects' pixels in [xFrom, xTo) from their positions into `layers` (all zero between spans: each span clears what it set). */
  private paintObjects(xFrom: number, xTo: number): void {
    const layers = this.layers, position = this.position;
    const p0 = this.vdelp0 ? this.grp0Old : this.grp0, p1 = this.vdelp1 ? this.grp1Old : this.grp1;
    if (p0) paintPlayer(layers, L_P0, p0, position[P0], this.nusiz0, this.refp0, xFrom, xTo);
    if (p1) paintPlayer(layers, L_P1, p1, position[P1], this.nusiz1, this.refp1, xFrom, xTo);
    if (this.enam0 && !this.resmp0) paintCopies(layers, L_M0, position[M0], this.nusiz0, 1 << ((this.nusiz0 >> 4) & 3), xFrom, xTo);
    if (this.enam1 && !this.resmp1) paintCopies(layers, L_M1, position[M1], this.nusiz1, 1 << ((this.nusiz1 >> 4) & 3), xFrom, xTo);
    if (this.vdelbl ? this.enablOld : this.enabl) paint(layers, L_BL, position[BL], 1 << ((this.ctrlpf >> 4) & 3), xFrom, xTo);
  }

  /** Collisions over the pixels the objects of the span cover (every collision involves one), with the playfield when `withPlayfield`; clears them. */
  private resolveCollisions(withPlayfield: boolean): void {
    const layers = this.layers, playfield = withPlayfield ? this.playfield : 0;
    const shifts = this.reflectLatched ? PF_SHIFT_REFLECTED : PF_SHIFT_NORMAL;
    let collisions = this.collisions;
    if (playfield) for (let x = painted[0]; x < painted[1]; x++) layers[x] |= ((playfield >> shifts[x]) & 1) << PF_LAYER_SHIFT;
    for (let x = painted[0]; x < painted[1]; x++) { collisions |= COLLISIONS[layers[x]]; layers[x] = 0; }
    this.collisions = collisions;
  }

  /** Row `row`'s pixels [xFrom, xTo): playfield, priorities, colours and collisions; clears the layers. */
  private resolveVisible(row: number, xFrom: number, xTo: number): void {
    const layers = this.layers, playfield = this.playfield;
    const shifts = this.reflectLatched ? PF_SHIFT_REFLECTED : PF_SHIFT_NORMAL;
    let collisions = this.collisions;
    if (playfield) for (let x = xFrom; x < xTo; x++) layers[x] |= ((playfield >> shifts[x]) & 1) << PF_LAYER_SHIFT;
    // Score colours only without PF priority (the TIA ignores score mode then).
    const source = this.ctrlpf & 4 ? SOURCE_PRIORITY : (this.ctrlpf & 2) !== 0 ? SOURCE_SCORE : SOURCE_NORMAL;
    const colours = this.colours, screen = this.screen, base = row * 160;
    const middle = Math.min(Math.max(80, xFrom), xTo);
    for (let x = xFrom; x < middle; x++) {
      const layer = layers[x];
      collisions |= COLLISIONS[layer];
      screen[base + x] = colours[source[layer]];
      layers[x] = 0;
    }
    for (let x = middle; x < xTo; x++) {
      const layer = layers[x];
      collisions |= COLLISIONS[layer];
      const s = source[layer];
      screen[base + x] = colours[s + (s >> 2)]; // the playfield's colour (4) is the right half's (5) here
      layers[x] = 0;
    }
    this.collisions = collisions;
  }

  /**
   * Pulses the exact counters over the visible clocks [hFrom, hTo), the objects' pixels into
   * `layers` when `record`. Returns the pixel from which positions are in charge again (the
   * movement ended and every object is regular), or hTo's pixel.
   */
  private pulseVisible(hFrom: number, hTo: number, record: boolean): number {
    const o = this.objects;
    let h = hFrom;
    while (h < hTo) {
      let end = hTo;
      if (o.movementInProgress) {
        if ((h & 3) === 0) {
          o.movementTick(false, this.patterns);
          if (!o.movementInProgress && this.leaveExact(h)) return h - HBLANK;
        }
        // Objects are independent between movement ticks: pulse each over the stretch up to the next.
        if (o.movementInProgress) end = Math.min(hTo, (h | 3) + 1);
      }
      this.pulseStretch(h - HBLANK, end - h, record);
      h = end;
    }
    return hTo - HBLANK;
  }

  /** `n` pulses of every object from pixel x, their pixels into `layers` when `record`. */
  private pulseStretch(x: number, n: number, record: boolean): void {
    const o = this.objects, p = this.patterns, layers = record ? this.layers : null;
    let last = 0;
    for (let i = 0; i < 5; i++) if (o.pulseRun(i, p[i], layers, x, n, LAYER_BIT[i])) last |= LAYER_BIT[i];
    o.lastOutput = last;
  }

  /** What a pulse of each object shows now (from GRPx/VDELPx/REFPx, ENAMx/RESMPx, ENABL/VDELBL). */
  private updatePatterns(): void {
    const p = this.patterns;
    const g0 = this.vdelp0 ? this.grp0Old : this.grp0, g1 = this.vdelp1 ? this.grp1Old : this.grp1;
    p[P0] = this.refp0 ? REVERSED[g0] : g0;
    p[P1] = this.refp1 ? REVERSED[g1] : g1;
    p[M0] = this.enam0 && !this.resmp0 ? 1 : 0;
    p[M1] = this.enam1 && !this.resmp1 ? 1 : 0;
    p[BL] = (this.vdelbl ? this.enablOld : this.enabl) ? 1 : 0;
  }

  /** Hands the objects to the exact counters at line clock h, in the state their positions imply. */
  private enterExact(h: number): void {
    if (this.lineStart + h <= this.closedMoveEnd) this.redoMoveExactly(h);
    if (this.exact) return;
    this.exact = true;
    this.updatePatterns();
    const o = this.objects;
    const x = Math.max(h, this.hblankEnd) - HBLANK;
    let last = 0;
    const pulses = this.pulses - this.pulsesWhenLeft;
    for (let i = 0; i < 5; i++) {
      const c = (x - this.position[i] + COUNTER_AT_POSITION[i] + 320) % 160;
      o.passPulses(i, pulses); // the counters still hold their values from when the closed form took over
      o.setRegular(i, (c + 159) % 160); // the state of the last pulse, for HBLANK collisions
      if (o.output(i, this.patterns[i])) last |= LAYER_BIT[i];
      o.setRegular(i, c);
    }
    o.lastOutput = last;
  }

  /** Back to positions at line clock h when the movement is over and every object is regular. */
  private leaveExact(h: number): boolean {
    const o = this.objects;
    if (o.movementInProgress) return false;
    for (let i = 0; i < 5; i++) if (!o.isRegular(i)) return false;
    const x = Math.max(h, this.hblankEnd) - HBLANK;
    for (let i = 0; i < 5; i++) this.position[i] = (x - o.counter[i] + COUNTER_AT_POSITION[i] + 320) % 160;
    this.exact = false;
    this.pulsesWhenLeft = this.pulses;
    this.extentsStale = ALL_LAYERS;
    this.maskDirty = ALL_LAYERS;
    return true;
  }

  /** HMOVE reaches the motion logic at line clock h. */
  private startHmove(h: number): void {
    if (this.closedFormHmove && !this.exact && !this.hmoveThisLine && h > 0 && h < HBLANK && this.drawnTo === h && this.moveInClosedForm(h)) return;
    this.enterExact(h);
    // In HBLANK (not at its very first clock, which restarts the line's HBLANK) it extends
    // HBLANK by 8 clocks: the black bar, and 8 pulses every object misses.
    if (!this.hmoveThisLine && h > 0) {
      this.hmoveThisLine = true;
      if (h < HBLANK) {
        this.hblankEnd = HBLANK_EXTENDED;
        const row = this.line - this.firstRowLine;
        if (this.observe && row >= 0 && row < this.rows) this.screen.fill(0, row * 160, row * 160 + 8);
      }
    }
    this.objects.startMovement();
  }

  /**
   * HMOVE reaching the motion logic at line clock h in HBLANK, while positions are in charge,
   * in closed form: each object's counter gets its `stopAt` extra pulses (one per movement tick
   * before the count reaches its HM value) and misses HBLANK's 8 extended clocks, so it moves
   * by 8 - stopAt pixels. Taken only when that is what the exact counters would do: the last
   * tick falls in the extended HBLANK (no object moves on the visible line, where copies get
   * starfield widths). Pixels objects show on their last pulse before the HMOVE or on movement
   * pulses meet in HBLANK's collisions, computed here as `moveInHblank` checks them. A later
   * write that meets the movement before its last tick (HMxx, HMCLR, a reset, NUSIZ, graphics
   * of an object that could show; with such pixels also the playfield, VBLANK, CXCLR and
   * collision reads) runs it exactly after all (`redoMoveExactly`). False: not taken.
   */
  private moveInClosedForm(h: number): boolean {
    const o = this.objects, stopAt = o.stopAt, position = this.position, saved = this.closedMoveSaved, start = this.moveStart;
    const firstTick = (h + 3) & ~3;
    let last = 0;
    for (let i = 0; i < 5; i++) if (stopAt[i] > last) last = stopAt[i];
    const end = firstTick + 4 * last;
    if (end > HBLANK_EXTENDED) return false;
    saved[20] = this.pulsesWhenLeft;
    const collisionsBefore = this.collisions;
    const pulses = this.pulses - this.pulsesWhenLeft;
    // shows: objects that can show a pixel on their last pulse before the HMOVE or on a movement
    // pulse (at counters c - 1 to c - 1 + stopAt, c: at pixel 0, as enterExact puts it); lit: of those, the ones with graphics on.
    let shows = 0, moved = 0;
    for (let i = 0; i < 5; i++) {
      saved[i] = position[i]; saved[5 + i] = o.counter[i]; saved[10 + i] = o.lastMovementTick[i]; saved[15 + i] = o.effectiveWidth[i];
      const n = stopAt[i], c = COUNTER_AT_POSITION[i] - position[i]; // -158 to 2
      const at = c < 0 ? c + 160 : c;
      start[i] = at;
      if (o.mayShow(i, at === 0 ? 159 : at - 1, n + 1)) shows |= LAYER_BIT[i];
      o.passPulses(i, pulses); // as enterExact would
      o.moveCounter(i, at, n);
      if (n !== 8) {
        const x = position[i] + 8 - n; // -7 to 167
        position[i] = x < 0 ? x + 160 : x >= 160 ? x - 160 : x;
        moved |= LAYER_BIT[i];
      }
    }
    const lit = shows & this.shown; // `shown`: the objects whose graphics or enable show pixels
    if (lit !== 0 && (COLLISIONS[lit | L_PF] & ~this.collisions) !== 0 && !(this.vblank & 2)) this.collideWhileMoving(firstTick, last, lit);
    saved[21] = this.collisions & ~collisionsBefore; // the latches it set (a redo clears them; anything else that clears or sets latches meets it)
    this.pulsesWhenLeft = this.pulses; // as leaveExact would at the movement's end
    this.extentsStale |= moved;
    this.maskDirty |= moved;
    this.closedMoveAt = h;
    this.closedMoveEnd = this.lineStart + end;
    // The playfield's own writes matter only to a check after HBLANK's usual end (as the line started before).
    this.closedMoveShows = shows | MOVE_RULES | (lit !== 0 ? OUTPUT_RULES | (end > HBLANK + 4 ? PLAYFIELD_RULES : 0) : 0);
    this.hmoveThisLine = true;
    this.hblankEnd = HBLANK_EXTENDED;
    const row = this.line - this.firstRowLine;
    if (this.observe && row >= 0 && row < this.rows) this.screenWords[row * 40] = this.screenWords[row * 40 + 1] = 0; // pixels 0-7
    return true;
  }

  /**
   * HBLANK's collisions during an HMOVE's movement taken in closed form, as moveInHblank checks
   * them: after each of the `last` ticks from line clock `firstTick` on, among every object's
   * last output (the pulse at this tick, or its last one) and the playfield's; `lit`: the objects
   * that may show a pixel (the others show none). Counters at pixel 0 in `moveStart`.
   */
  private collideWhileMoving(firstTick: number, last: number, lit: number): void {
    const o = this.objects, stopAt = o.stopAt, outputs = moveOutputs, patterns = this.patterns;
    this.updatePatterns();
    for (let i = 0; i < 5; i++) {
      let bits = 0;
      if (lit & LAYER_BIT[i]) {
        const before = this.moveStart[i] === 0 ? 159 : this.moveStart[i] - 1;
        for (let j = 0; j <= stopAt[i]; j++) bits |= o.pixelAt(i, before + j, patterns[i]) << j; // bit j: the pulse at counter c - 1 + j
      }
      outputs[i] = bits;
    }
    let collisions = 0;
    for (let k = 0; k < last; k++) {
      let layer = (((firstTick + 4 * k <= HBLANK ? this.playfieldAtLineStart : this.playfield) >> 19) & 1) << PF_LAYER_SHIFT;
      for (let i = 0; i < 5; i++) if (outputs[i] !== 0) layer |= ((outputs[i] >> (k + 1 < stopAt[i] ? k + 1 : stopAt[i])) & 1) * LAYER_BIT[i];
      collisions |= COLLISIONS[layer];
    }
    this.collisions |= collisions;
  }

  /**
   * A write at line clock h (the line drawn up to it, all in HBLANK) meets the movement of an
   * HMOVE taken in closed form: undo that and run the movement on the exact counters from the
   * HMOVE to h, as if it had been taken exactly (nothing was drawn in between, and nothing the
   * movement's pixels depend on changed).
   */
  private redoMoveExactly(h: number): void {
    this.closedMoveEnd = -1;
    const saved = this.closedMoveSaved, o = this.objects;
    for (let i = 0; i < 5; i++) {
      this.position[i] = saved[i]; o.counter[i] = saved[5 + i]; o.lastMovementTick[i] = saved[10 + i]; o.effectiveWidth[i] = saved[15 + i];
    }
    this.pulsesWhenLeft = saved[20];
    this.collisions &= ~saved[21];
    this.extentsStale = ALL_LAYERS;
    this.maskDirty = ALL_LAYERS;
    this.hblankEnd = HBLANK; // the HMOVE's enterExact ran before it extended HBLANK
    this.enterExact(this.closedMoveAt);
    this.hblankEnd = HBLANK_EXTENDED;
    o.startMovement();
    this.drawSpanExact(this.closedMoveAt, h);
  }

  /** The counter a reset loads at line clock h: 157 on the visible line, 159 in HBLANK (158 late in an extended one). */
  private resetCounter(h: number): number {
    return h < this.hblankEnd ? (h >= 73 ? 158 : 159) : 157;
  }

  /** The palette indices painting uses, after a write to a colour or CTRLPF (score mode). */
  private updateColours(): void {
    const c = this.colours;
    c[0] = this.colubk >> 1; c[1] = this.colup0 >> 1; c[2] = this.colup1 >> 1; c[3] = this.colupf >> 1;
    // Score colours only without PF priority (the TIA ignores score mode then).
    const score = (this.ctrlpf & 6) === 2;
    c[4] = (score ? this.colup0 : this.colupf) >> 1;
    c[5] = (score ? this.colup1 : this.colupf) >> 1;
  }

  /** Recomputes which of `objects` (layer bits) are shown (`shown`), after a write to what decides it. */
  private updateShown(objects: number): void {
    let shown = this.shown & ~objects;
    if (objects & L_PF && this.playfield) shown |= L_PF;
    if (objects & L_P0 && (this.vdelp0 ? this.grp0Old : this.grp0)) shown |= L_P0;
    if (objects & L_P1 && (this.vdelp1 ? this.grp1Old : this.grp1)) shown |= L_P1;
    if (objects & L_M0 && this.enam0 && !this.resmp0) shown |= L_M0;
    if (objects & L_M1 && this.enam1 && !this.resmp1) shown |= L_M1;
    if (objects & L_BL && (this.vdelbl ? this.enablOld : this.enabl)) shown |= L_BL;
    this.shown = shown;
  }

  /** A register write at colour clock `clock` (the end of the CPU's write cycle) and CPU cycle `cycle`. */
  write(address: number, value: number, cycleClock: number, cycle: number): void {
    const clock = cycleClock + WRITE_DELAY[address];
    if (clock <= this.closedMoveEnd && (MEETS_MOVEMENT[address] & this.closedMoveShows) !== 0) {
      this.catchUp(clock);
      this.redoMoveExactly(clock - this.lineStart);
    }
    // Registers that only decide what is shown: the line is drawn up to the write, and the write
    // counts as a change, only when it changes what is shown (as 6502.ts's TIA tells); otherwise
    // the span goes on, drawn later with registers that show the same.
    switch (address) {
      case 0x06:
        // A colour change shows only where the colour is used: its player or missile shown, or score mode.
        if (value >> 1 !== this.colup0 >> 1 && ((this.vdelp0 ? this.grp0Old : this.grp0) !== 0 || (this.enam0 && !this.resmp0) || (this.ctrlpf & 6) === 2)) this.changeColourAt(clock);
        this.colup0 = value;
        this.updateColours();
        return;
      case 0x07:
        if (value >> 1 !== this.colup1 >> 1 && ((this.vdelp1 ? this.grp1Old : this.grp1) !== 0 || (this.enam1 && !this.resmp1) || (this.ctrlpf & 6) === 2)) this.changeColourAt(clock);
        this.colup1 = value;
        this.updateColours();
        return;
      case 0x08: this.changeColourAt(clock); this.colupf = value; this.updateColours(); return;
      case 0x09: this.changeColourAt(clock); this.colubk = value; this.updateColours(); return;
      case 0x0b: if (((value & 8) !== 0) !== this.refp0) this.changeAt(clock); this.refp0 = (value & 8) !== 0; this.maskDirty |= L_P0; return;
      case 0x0c: if (((value & 8) !== 0) !== this.refp1) this.changeAt(clock); this.refp1 = (value & 8) !== 0; this.maskDirty |= L_P1; return;
      case 0x0d: if (value >> 4 !== this.pf0 >> 4) { this.changeAt(this.playfieldClock(clock)); this.pf0 = value; this.updatePlayfield(); } return;
      case 0x0e: if (value !== this.pf1) { this.changeAt(this.playfieldClock(clock)); this.pf1 = value; this.updatePlayfield(); } return;
      case 0x0f: if (value !== this.pf2) { this.changeAt(this.playfieldClock(clock)); this.pf2 = value; this.updatePlayfield(); } return;
      case 0x1b:
        if ((value !== this.grp0 && !this.vdelp0) || (this.vdelp1 && this.grp1Old !== this.grp1)) this.changeAt(clock);
        this.grp0 = value; this.grp1Old = this.grp1;
        this.maskDirty |= L_P0 | L_P1;
        this.updateShown(L_P0 | L_P1);
        return;
      case 0x1c:
        if ((value !== this.grp1 && !this.vdelp1) || (this.vdelp0 && this.grp0Old !== this.grp0) || (this.vdelbl && this.enablOld !== this.enabl)) this.changeAt(clock);
        this.grp1 = value; this.grp0Old = this.grp0; this.enablOld = this.enabl;
        this.maskDirty |= L_P0 | L_P1;
        this.updateShown(L_P0 | L_P1 | L_BL);
        return;
      case 0x1d: if (((value & 2) !== 0) !== this.enam0) this.changeAt(clock); this.enam0 = (value & 2) !== 0; this.updateShown(L_M0); return;
      case 0x1e: if (((value & 2) !== 0) !== this.enam1) this.changeAt(clock); this.enam1 = (value & 2) !== 0; this.updateShown(L_M1); return;
      case 0x1f: if (((value & 2) !== 0) !== this.enabl && !this.vdelbl) this.changeAt(clock); this.enabl = (value & 2) !== 0; this.updateShown(L_BL); return;
      case 0x25: if (((value & 1) !== 0) !== this.vdelp0) this.changeAt(clock); this.vdelp0 = (value & 1) !== 0; this.maskDirty |= L_P0; this.updateShown(L_P0); return;
      case 0x26: if (((value & 1) !== 0) !== this.vdelp1) this.changeAt(clock); this.vdelp1 = (value & 1) !== 0; this.maskDirty |= L_P1; this.updateShown(L_P1); return;
      case 0x27: if (((value & 1) !== 0) !== this.vdelbl) this.changeAt(clock); this.vdelbl = (value & 1) !== 0; this.updateShown(L_BL); return;
    }
    this.catchUp(clock);
    const h = clock - this.lineStart;
    switch (address) {
      case 0x00: { // VSYNC is no change for the line cache
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
        this.change(h);
        if (value & 0x80) this.dumped = true;
        else if (this.dumped) { this.dumped = false; this.dumpReleasedCycle = cycle; }
        if (value & 0x40) this.latched = true;
        else { this.latched = false; this.latch0 = this.latch1 = 0x80; }
        this.vblank = value;
        break;
      case 0x03:
        this.change(h);
        // RSYNC: the horizontal counter restarts; this line ends 3 clocks from now.
        this.lineStart = clock + 3 - CLOCKS_PER_LINE;
        this.drawnTo = CLOCKS_PER_LINE - 3;
        if (this.frameEndClock !== Infinity) this.frameEndClock = this.lineStart + (this.frameEndLines() + 1) * CLOCKS_PER_LINE;
        break;
      case 0x04: this.change(h); this.nusiz(0, value, h); break;
      case 0x05: this.change(h); this.nusiz(1, value, h); break;
      case 0x0a: {
        // Priority, reflection, score mode or ball width.
        if (((value ^ this.ctrlpf) & 0x37) !== 0 && (priorityMode(value) !== priorityMode(this.ctrlpf) || ((value ^ this.ctrlpf) & 0x31) !== 0)) this.change(h);
        const width = 1 << ((value >> 4) & 3);
        if (width !== this.objects.width[BL]) { this.enterExact(h); this.objects.ballWidth(width); }
        this.ctrlpf = value;
        this.maskDirty |= L_BL;
        this.updateColours();
        break;
      }
      case 0x10: case 0x11: this.change(h); this.enterExact(h); this.objects.resetPlayer(address - 0x10, this.resetCounter(h)); break;
      case 0x12: case 0x13: this.change(h); this.enterExact(h); this.objects.resetMissile(address - 0x10, this.resetCounter(h), h < this.hblankEnd); break;
      case 0x14: this.change(h); this.enterExact(h); this.objects.resetBall(this.resetCounter(h)); this.leaveExact(h); break;
      case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: this.objects.stopAt[address - 0x20] = ((value >> 4) & 15) ^ 8; break;
      case 0x28: case 0x29: {
        const on = (value & 2) !== 0, missile = address - 0x26;
        if (on !== (missile === M0 ? this.resmp0 : this.resmp1)) { this.change(h); this.enterExact(h); this.objects.setResmp(missile, on); }
        if (missile === M0) this.resmp0 = on; else this.resmp1 = on;
        this.updateShown(L_M0 | L_M1);
        break;
      }
      case 0x2a: this.change(h); this.startHmove(h); break;
      case 0x2b: this.objects.stopAt.fill(8); break;
      case 0x2c: this.change(h); this.collisions = 0; break;
    }
  }

  /** NUSIZx for player (and missile) `which` at line clock h: copies, widths, a stretch change mid-copy. */
  private nusiz(which: number, value: number, h: number): void {
    if (!this.exact && value === (which === 0 ? this.nusiz0 : this.nusiz1)) return;
    this.enterExact(h);
    this.objects.nusizPlayer(which, value, h < this.hblankEnd);
    this.objects.nusizMissile(which + 2, value);
    if (which === 0) this.nusiz0 = value; else this.nusiz1 = value;
    this.maskDirty |= which === 0 ? L_P0 | L_M0 : L_P1 | L_M1;
  }

  /** Lines between the current line and the one at which the frame ends. */
  private frameEndLines(): number {
    return this.firstRowLine + this.pictureLines - this.line - 1;
  }

  private updatePlayfield(): void {
    // Screen order: PF0 bits 4-7, PF1 bits 7-0, PF2 bits 0-7 (reversed bytes put bit 4, and bit 0, first).
    this.playfield = ((REVERSED[this.pf0] & 0x0f) << 16) | (this.pf1 << 8) | REVERSED[this.pf2];
    this.maskDirty |= L_PF;
    this.updateShown(L_PF);
  }

  /** A TIA read at CPU cycle `cycle` (`bus`: the data bus's last value, which drives bits 0-5). */
  read(address: number, clock: number, cycle: number, bus: number): number {
    let result = 0;
    if ((address & 0x08) === 0 && clock <= this.closedMoveEnd && (this.closedMoveShows & OUTPUT_RULES) !== 0) {
      this.catchUp(clock);
      this.redoMoveExactly(clock - this.lineStart);
    }
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
      if (key === 'screen' || key === 'screenWords' || key === 'inputs' || key === 'layers' || key === 'patterns' || key === 'masks' || key === 'maskDirty' ||
        key === 'extentAt' || key === 'pairsInWord' || key === 'pairsInLine' || key === 'extentsStale') continue; // scratch (masks, extents: caches of what they are built from)
      state[key] = key === 'objects' ? this.objects.saveState() : ArrayBuffer.isView(value) ? (value as Uint8Array).slice() : value;
    }
    return state;
  }

  loadState(state: Record<string, unknown>): void {
    for (const [key, value] of Object.entries(state)) {
      const own = (this as unknown as Record<string, unknown>)[key];
      if (key === 'objects') this.objects.loadState(value as Record<string, unknown>);
      else if (ArrayBuffer.isView(own)) (own as Uint8Array).set(value as Uint8Array);
      else (this as unknown as Record<string, unknown>)[key] = value;
    }
    this.extentsStale = ALL_LAYERS;
    this.maskDirty = ALL_LAYERS;
  }
}

/**
 * Per register, what a write meets of an HMOVE's movement taken in closed form: MOVE_RULES
 * (HMxx, HMCLR, RSYNC: always), or the objects (layer bits) whose graphics it can change
 * (those matter when the object could show a pixel). Writes that hand objects to the exact
 * counters (resets, NUSIZ, RESMP, ball width, HMOVE) meet it in `enterExact`.
 */
const MOVE_RULES = 0x80;
/** VBLANK and CXCLR writes (and collision reads) meet it when an object shows a pixel during it (HBLANK's collisions). */
const OUTPUT_RULES = 0x40;
/** PF0-2 writes meet it when, besides, a collision check falls after line clock 68 (which reads the playfield as it is then). */
const PLAYFIELD_RULES = 0x20;
/** Scratch: per object, its outputs on the pulses of an HMOVE's movement taken in closed form. */
const moveOutputs = new Int32Array(5);
const MEETS_MOVEMENT = new Uint8Array(64);
for (const register of [0x03, 0x20, 0x21, 0x22, 0x23, 0x24, 0x2b]) MEETS_MOVEMENT[register] = MOVE_RULES;
MEETS_MOVEMENT[0x01] = MEETS_MOVEMENT[0x2c] = OUTPUT_RULES;
MEETS_MOVEMENT[0x0d] = MEETS_MOVEMENT[0x0e] = MEETS_MOVEMENT[0x0f] = PLAYFIELD_RULES;
MEETS_MOVEMENT[0x1b] = 1 | 4; MEETS_MOVEMENT[0x1c] = 1 | 4 | 16; // GRP0/GRP1 (VDEL's old copies; GRP1 also VDELBL's ENABL)
MEETS_MOVEMENT[0x1d] = 2; MEETS_MOVEMENT[0x1e] = 8; MEETS_MOVEMENT[0x1f] = 16; // ENAM0, ENAM1, ENABL
MEETS_MOVEMENT[0x0b] = 1; MEETS_MOVEMENT[0x0c] = 4; MEETS_MOVEMENT[0x25] = 1; MEETS_MOVEMENT[0x26] = 4; MEETS_MOVEMENT[0x27] = 16; // REFPx, VDELxx

/** CTRLPF's priority as 6502.ts tells them apart: PF priority, score mode, normal. */
function priorityMode(ctrlpf: number): number {
  return ctrlpf & 4 ? 1 : ctrlpf & 2 ? 2 : 0;
}

// One bit per object in a pixel's layer byte.
const L_P0 = 1, L_M0 = 2, L_P1 = 4, L_M1 = 8, L_BL = 16, L_PF = 32;
/** The layer bit of each object index (P0 P1 M0 M1 BL). */
const LAYER_BIT = OBJECT_LAYER_BIT;
const PF_LAYER_SHIFT = 5;
const ALL_LAYERS = 63;
/** Where each object's line mask starts in `masks`. */
const MASK_P0 = 0, MASK_P1 = MASK_WORDS, MASK_M0 = 2 * MASK_WORDS, MASK_M1 = 3 * MASK_WORDS, MASK_BL = 4 * MASK_WORDS, MASK_PF = 5 * MASK_WORDS;

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
/** The two objects (layer bits) of each collision bit. */
const PAIRS: [number, number, number][] = [
  [L_M0, L_P1, M0P1], [L_M0, L_P0, M0P0], [L_M1, L_P0, M1P0], [L_M1, L_P1, M1P1], [L_P0, L_PF, P0PF], [L_P0, L_BL, P0BL],
  [L_P1, L_PF, P1PF], [L_P1, L_BL, P1BL], [L_M0, L_PF, M0PF], [L_M0, L_BL, M0BL], [L_M1, L_PF, M1PF], [L_M1, L_BL, M1BL],
  [L_BL, L_PF, BLPF], [L_P0, L_P1, P0P1], [L_M0, L_M1, M0M1],
];
for (let layer = 0; layer < 64; layer++) {
  const has = (bit: number) => (layer & bit) !== 0;
  for (const [a, b, bit] of PAIRS) if (has(a) && has(b)) COLLISIONS[layer] |= bit;
  const p0 = has(L_P0) || has(L_M0), p1 = has(L_P1) || has(L_M1), bl = has(L_BL), pf = has(L_PF);
  // Highest first. Normal: P0 M0 P1 M1 BL PF. Score: P0 M0 PF P1 M1 BL. Priority: BL PF P0 M0 P1 M1.
  SOURCE_NORMAL[layer] = p0 ? 1 : p1 ? 2 : bl || pf ? 3 : 0;
  SOURCE_SCORE[layer] = p0 ? 1 : pf ? 4 : p1 ? 2 : bl ? 3 : 0;
  SOURCE_PRIORITY[layer] = bl ? 3 : pf ? 3 : p0 ? 1 : p1 ? 2 : 0;
}

/** For each set of collision bits, the objects (layer bits) taking part in them. */
const OBJECTS_IN = new Uint8Array(1 << 15);
{
  const pairObjects = new Uint8Array(15); // collision bit -> its two objects
  for (let a = 1; a < 64; a <<= 1) for (let b = a << 1; b < 64; b <<= 1) pairObjects[31 - Math.clz32(COLLISIONS[a | b])] = a | b;
  for (let set = 1; set < 1 << 15; set++) { const low = set & -set; OBJECTS_IN[set] = OBJECTS_IN[set ^ low] | pairObjects[31 - Math.clz32(low)]; }
}

/** 1 when x (an int32) is not 0, else 0. */
function nonZero(x: number): number {
  return (x | -x) >>> 31;
}

/**
 * Every pixel an object's copies can cover (its extent, `updateExtents`), per key (players: the
 * NUSIZ mode, 0-7; missiles and the ball: 8 + mode x 4 + log2(width)) and position (0-159), as
 * the five words of a line mask.
 */
const EXTENTS = new Int32Array(40 * 160 * 5);
{
  const scratchMask = new Int32Array(MASK_WORDS);
  for (let key = 0; key < 40; key++) {
    for (let position = 0; position < 160; position++) {
      scratchMask.fill(0);
      if (key < 8) {
        const scale = PLAYER_SCALE[key], delay = scale > 1 ? 1 : 0, copies = COPIES[key];
        for (let c = 0; c < copies.length; c++) orRun(scratchMask, 0, (position + copies[c] + delay) % 160, playerRun(0xff, scale), 8 * scale);
      } else {
        const copies = COPIES[(key - 8) >> 2], width = 1 << ((key - 8) & 3);
        for (let c = 0; c < copies.length; c++) orRun(scratchMask, 0, (position + copies[c]) % 160, (1 << width) - 1, width);
      }
      foldWrap(scratchMask, 0);
      EXTENTS.set(scratchMask.subarray(0, 5), (key * 160 + position) * 5);
    }
  }
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

function paintCopies(layers: Uint8Array, bit: number, position: number, nusiz: number, width: number, xFrom: number, xTo: number): void {
  const copies = COPIES[nusiz & 7];
  for (let c = 0; c < copies.length; c++) paint(layers, bit, (position + copies[c]) % 160, width, xFrom, xTo);
}

function paintPlayer(layers: Uint8Array, bit: number, graphics: number, position: number, nusiz: number, reflected: boolean, xFrom: number, xTo: number): void {
  const mode = nusiz & 7;
  const scale = PLAYER_SCALE[mode];
  const copies = COPIES[mode];
  const delay = scale > 1 ? 1 : 0; // stretched players start one pixel later
  const pattern = reflected ? REVERSED[graphics] : graphics; // leftmost pixel in bit 7
  const width = 8 * scale;
  for (let c = 0; c < copies.length; c++) {
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
