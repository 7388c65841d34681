import type { FrameChanges } from '../frameChanges.js';
import * as G from './geometry.js';

/** The parts of the game state that the picture shows. */
export interface Scene {
  readonly paddleX: number;
  readonly paddleWidth: number;
  /** The ball is in play and not yet below the picture. */
  readonly ballShown: boolean;
  readonly ballX: number;
  readonly ballY: number;
  /** bricks[row * 18 + column]: 1 while the brick stands. */
  readonly bricks: Uint8Array;
  readonly score: number;
  readonly lives: number;
}

const W = G.SCREEN_WIDTH, H = G.SCREEN_HEIGHT;
/** Left edges of the digits that change (the three score digits, then lives); the player digit never does. */
const DIGIT_X = [G.SCORE_X[0], G.SCORE_X[1], G.SCORE_X[2], G.LIVES_X] as const;
const DIGIT_WIDTH = 12, DIGIT_HEIGHT = 10;
/** Scratch for the digits of the scene being painted. */
const paintDigits = [0, 0, 0, 0];
/** More changed bricks than this repaint the whole brick band as one rectangle (a new wall, a reset). */
const BRICKS_ONE_BY_ONE = 4;

/** Writes the changing digits `scene` shows (hundreds, tens, ones of the score, lives) into `out`. */
function digitsOf(scene: Scene, out: number[]): number[] {
  const score = scene.score % 1000;
  out[0] = Math.floor(score / 100); out[1] = Math.floor(score / 10) % 10; out[2] = score % 10; out[3] = scene.lives % 10;
  return out;
}

/** The clip rectangle of the paint in progress (one, reused: painting allocates nothing). */
const clip = { x0: 0, y0: 0, x1: 0, y1: 0 };

/**
 * Paints the rectangle [x0, x1) x [y0, y1) of `target` (RGB, row-major) from `scene`, exactly as
 * a whole-screen drawing would show it there: black, paddle, ball, then walls, bricks and digits
 * over them (the walls and bricks cover the ball).
 */
export function paintRegion(target: Uint8Array, scene: Scene, x0: number, y0: number, x1: number, y1: number): void {
  x0 = Math.max(0, x0); y0 = Math.max(0, y0); x1 = Math.min(W, x1); y1 = Math.min(H, y1);
  if (x0 >= x1 || y0 >= y1) return;
  clip.x0 = x0; clip.y0 = y0; clip.x1 = x1; clip.y1 = y1;
  for (let y = y0; y < y1; y++) target.fill(0, (y * W + x0) * 3, (y * W + x1) * 3);
  fillClipped(target, clip, scene.paddleX, G.PADDLE_TOP, scene.paddleWidth, G.PADDLE_HEIGHT, G.PADDLE_COLOR);
  if (scene.ballShown) {
    fillClipped(target, clip, scene.ballX, scene.ballY, G.BALL_WIDTH, Math.min(G.BALL_HEIGHT, G.PICTURE_BOTTOM - scene.ballY), G.BALL_COLOR);
  }
  fillClipped(target, clip, 0, G.TOP_WALL_TOP, W, G.PLAY_TOP - G.TOP_WALL_TOP, G.WALL_COLOR);
  fillClipped(target, clip, 0, G.PLAY_TOP, G.PLAY_LEFT, G.GRAY_WALL_BOTTOM - G.PLAY_TOP, G.WALL_COLOR);
  fillClipped(target, clip, G.PLAY_RIGHT, G.PLAY_TOP, W - G.PLAY_RIGHT, G.GRAY_WALL_BOTTOM - G.PLAY_TOP, G.WALL_COLOR);
  fillClipped(target, clip, 0, G.GRAY_WALL_BOTTOM, G.PLAY_LEFT, G.LEFT_SEGMENT_BOTTOM - G.GRAY_WALL_BOTTOM, G.LEFT_SEGMENT_COLOR);
  fillClipped(target, clip, G.PLAY_RIGHT, G.GRAY_WALL_BOTTOM, W - G.PLAY_RIGHT, G.RIGHT_SEGMENT_BOTTOM - G.GRAY_WALL_BOTTOM, G.RIGHT_SEGMENT_COLOR);
  if (y1 > G.BRICK_TOP && y0 < G.BRICK_BOTTOM && x1 > G.PLAY_LEFT && x0 < G.PLAY_RIGHT) {
    const rowFrom = Math.max(0, Math.floor((y0 - G.BRICK_TOP) / G.BRICK_HEIGHT));
    const rowTo = Math.min(G.BRICK_ROWS - 1, Math.floor((y1 - 1 - G.BRICK_TOP) / G.BRICK_HEIGHT));
    const colFrom = Math.max(0, Math.floor((x0 - G.PLAY_LEFT) / G.BRICK_WIDTH));
    const colTo = Math.min(G.BRICK_COLUMNS - 1, Math.floor((x1 - 1 - G.PLAY_LEFT) / G.BRICK_WIDTH));
    for (let row = rowFrom; row <= rowTo; row++) {
      for (let col = colFrom; col <= colTo; col++) {
        if (scene.bricks[row * G.BRICK_COLUMNS + col]) {
          fillClipped(target, clip, G.PLAY_LEFT + col * G.BRICK_WIDTH, G.BRICK_TOP + row * G.BRICK_HEIGHT, G.BRICK_WIDTH, G.BRICK_HEIGHT, G.ROW_COLORS[row]);
        }
      }
    }
  }
  if (y1 > G.SCORE_TOP && y0 < G.SCORE_TOP + DIGIT_HEIGHT) {
    const digits = digitsOf(scene, paintDigits);
    for (let i = 0; i < DIGIT_X.length; i++) drawDigit(target, clip, digits[i], DIGIT_X[i]);
    drawDigit(target, clip, 1, G.PLAYER_X); // player number, as the Atari shows it
  }
}

/**
 * An RGB picture of the game kept up to date by repainting only what changed since it was last
 * brought up to date: the paddle's and the ball's old and new places, broken or restored
 * bricks, changed digits. Everything else on the screen is the same in both scenes, so the
 * picture equals a whole-screen drawing of the new scene. Each repainted rectangle is reported
 * to the watchers.
 */
export class Picture {
  readonly rgb = new Uint8Array(H * W * 3);
  readonly watchers: FrameChanges[] = [];
  /** Nothing painted yet: the first update paints everything. */
  private blank = true;
  // The scene as painted.
  private paddleX = 0;
  private paddleWidth = 0;
  private ballShown = false;
  private ballX = 0;
  private ballY = 0;
  private readonly bricks = new Uint8Array(G.BRICK_ROWS * G.BRICK_COLUMNS);
  private readonly brickWords = new Uint32Array(this.bricks.buffer);
  /** A word view of the scene's bricks, made once per array. */
  private sceneBrickWords: Uint32Array | null = null;
  private readonly digits = [0, 0, 0, 0];
  /** Scratch for the new scene's digits. */
  private readonly sceneDigits = [0, 0, 0, 0];

  /** Paints the whole screen from `scene` (the reference drawing), reporting it all. */
  paintAll(scene: Scene): void {
    paintRegion(this.rgb, scene, 0, 0, W, H);
    this.remember(scene);
    this.blank = false;
    for (const w of this.watchers) w.markAll();
  }

  /** Repaints only what differs between the painted scene and `scene`. */
  update(scene: Scene): void {
    if (this.blank) return this.paintAll(scene);
    const digits = digitsOf(scene, this.sceneDigits);
    if (scene.paddleX !== this.paddleX || scene.paddleWidth !== this.paddleWidth) {
      this.repaint(scene, Math.min(this.paddleX, scene.paddleX), G.PADDLE_TOP,
        Math.max(this.paddleX + this.paddleWidth, scene.paddleX + scene.paddleWidth), G.PADDLE_TOP + G.PADDLE_HEIGHT);
    }
    if (scene.ballShown !== this.ballShown || scene.ballX !== this.ballX || scene.ballY !== this.ballY) {
      if (this.ballShown && scene.ballShown && Math.abs(scene.ballX - this.ballX) <= 4 && Math.abs(scene.ballY - this.ballY) <= 6) {
        this.repaint(scene, Math.min(this.ballX, scene.ballX), Math.min(this.ballY, scene.ballY),
          Math.max(this.ballX, scene.ballX) + G.BALL_WIDTH, Math.max(this.ballY, scene.ballY) + G.BALL_HEIGHT);
      } else {
        if (this.ballShown) this.repaint(scene, this.ballX, this.ballY, this.ballX + G.BALL_WIDTH, this.ballY + G.BALL_HEIGHT);
        if (scene.ballShown) this.repaint(scene, scene.ballX, scene.ballY, scene.ballX + G.BALL_WIDTH, scene.ballY + G.BALL_HEIGHT);
      }
    }
    if (!this.sameBricks(scene.bricks)) this.updateBricks(scene);
    for (let i = 0; i < DIGIT_X.length; i++) {
      if (digits[i] !== this.digits[i]) this.repaint(scene, DIGIT_X[i], G.SCORE_TOP, DIGIT_X[i] + DIGIT_WIDTH, G.SCORE_TOP + DIGIT_HEIGHT);
    }
    this.remember(scene, digits);
  }

  /** Whether `bricks` equals the painted wall, compared a word at a time where the layout allows (most steps break none). */
  private sameBricks(bricks: Uint8Array): boolean {
    const n = this.bricks.length;
    if (bricks.byteOffset % 4 === 0 && n % 4 === 0) {
      if (this.sceneBrickWords?.buffer !== bricks.buffer || this.sceneBrickWords.byteOffset !== bricks.byteOffset) {
        this.sceneBrickWords = new Uint32Array(bricks.buffer, bricks.byteOffset, n / 4);
      }
      const a = this.sceneBrickWords, b = this.brickWords;
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
      return true;
    }
    for (let i = 0; i < n; i++) if (bricks[i] !== this.bricks[i]) return false;
    return true;
  }

  private updateBricks(scene: Scene): void {
    let changed = 0;
    for (let i = 0; i < this.bricks.length; i++) if (scene.bricks[i] !== this.bricks[i]) changed++;
    if (changed === 0) return;
    if (changed > BRICKS_ONE_BY_ONE) {
      this.repaint(scene, G.PLAY_LEFT, G.BRICK_TOP, G.PLAY_RIGHT, G.BRICK_BOTTOM);
      return;
    }
    for (let i = 0; i < this.bricks.length; i++) {
      if (scene.bricks[i] === this.bricks[i]) continue;
      const x = G.PLAY_LEFT + (i % G.BRICK_COLUMNS) * G.BRICK_WIDTH, y = G.BRICK_TOP + Math.floor(i / G.BRICK_COLUMNS) * G.BRICK_HEIGHT;
      this.repaint(scene, x, y, x + G.BRICK_WIDTH, y + G.BRICK_HEIGHT);
    }
  }

  private repaint(scene: Scene, x0: number, y0: number, x1: number, y1: number): void {
    x0 = Math.max(0, x0); y0 = Math.max(0, y0); x1 = Math.min(W, x1); y1 = Math.min(H, y1);
    if (x0 >= x1 || y0 >= y1) return;
    paintRegion(this.rgb, scene, x0, y0, x1, y1);
    for (const w of this.watchers) w.add(x0, y0, x1, y1);
  }

  private remember(scene: Scene, digits = digitsOf(scene, this.sceneDigits)): void {
    this.paddleX = scene.paddleX;
    this.paddleWidth = scene.paddleWidth;
    this.ballShown = scene.ballShown;
    this.ballX = scene.ballX;
    this.ballY = scene.ballY;
    this.bricks.set(scene.bricks);
    for (let i = 0; i < digits.length; i++) this.digits[i] = digits[i];
  }
}

interface Clip { x0: number; y0: number; x1: number; y1: number }

function fillClipped(target: Uint8Array, clip: Clip, x0: number, y0: number, w: number, h: number, c: readonly number[]): void {
  const xa = Math.max(clip.x0, x0), ya = Math.max(clip.y0, y0);
  const xb = Math.min(clip.x1, x0 + w), yb = Math.min(clip.y1, y0 + h);
  if (xa >= xb || ya >= yb) return;
  const r = c[0], g = c[1], b = c[2];
  for (let y = ya; y < yb; y++) {
    let p = (y * W + xa) * 3;
    for (let x = xa; x < xb; x++) { target[p++] = r; target[p++] = g; target[p++] = b; }
  }
}

/** One 12 x 10 digit of the score bar with its left edge at `x0`, drawn where it meets the clip. */
function drawDigit(target: Uint8Array, clip: Clip, digit: number, x0: number): void {
  if (x0 >= clip.x1 || x0 + DIGIT_WIDTH <= clip.x0) return;
  const glyph = G.DIGITS[digit];
  for (let gy = 0; gy < 5; gy++) {
    for (let gx = 0; gx < 3; gx++) {
      if (glyph.charCodeAt(gy * 3 + gx) === 49) fillClipped(target, clip, x0 + gx * 4, G.SCORE_TOP + gy * 2, 4, 2, G.WALL_COLOR);
    }
  }
}
