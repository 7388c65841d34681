import { Rng } from '../../util/rng.js';
import { checkAction, type BoxSpace, type DiscreteSpace, type Env, type ResetOptions, type ResetResult, type StepResult } from '../env.js';
import * as G from './geometry.js';

export interface BreakoutOptions {
  /** Frames each action is repeated (ALE frameskip; BreakoutDeterministic-v4 uses 4). */
  frameSkip: number;
  /** Probability that a frame repeats the previous action instead (ALE sticky actions; v5: 0.25). */
  repeatActionProbability: number;
  /** Episode is truncated after this many frames (Gymnasium Atari v5: 108,000). */
  maxEpisodeFrames: number;
  /** Observation is the pixel-wise max of the last two frames of the skip (DQN-style). */
  maxPoolLastTwoFrames: boolean;
  /** Paddle speed in pixels per frame. */
  paddleSpeed: number;
  /** Vertical ball speed at the start, in pixels per frame; each speed-up adds a quarter of it. */
  ballSpeed: number;
}

export const defaultBreakoutOptions: BreakoutOptions = {
  frameSkip: 4, repeatActionProbability: 0, maxEpisodeFrames: 108_000, maxPoolLastTwoFrames: false, paddleSpeed: 3, ballSpeed: 1,
};

export const Action = { NOOP: 0, FIRE: 1, RIGHT: 2, LEFT: 3 } as const;

const MAX_SPEED_LEVEL = 4;
/** Horizontal speed, as a multiple of the vertical one, for the five paddle zones (left to right). */
const ZONE_SLOPES = [-1.5, -1, 0.5, 1, 1.5];
const SERVE_Y = 110;

/**
 * Atari 2600 Breakout, re-implemented natively with the ALE's observation (210x160x3 RGB),
 * minimal action set (NOOP, FIRE, RIGHT, LEFT), 5 lives, frame skip and sticky actions.
 * Rules: FIRE serves a ball; bricks score 1, 1, 4, 4, 7, 7 from the bottom row up; the ball's
 * angle depends on where it meets the paddle; it speeds up after 4 and 12 paddle hits and on
 * first contact with the orange and the red rows; the paddle halves once the ball first reaches
 * the top wall; clearing the first wall brings a second; clearing both (864 points) or losing
 * the last ball ends the episode.
 */
export class Breakout implements Env<Uint8Array> {
  readonly observationSpace: BoxSpace = { kind: 'box', shape: [G.SCREEN_HEIGHT, G.SCREEN_WIDTH, 3], low: 0, high: 255 };
  readonly actionSpace: DiscreteSpace = { kind: 'discrete', n: 4, names: ['NOOP', 'FIRE', 'RIGHT', 'LEFT'] };
  readonly options: BreakoutOptions;

  private rng: Rng;
  private readonly frame = new Uint8Array(G.SCREEN_HEIGHT * G.SCREEN_WIDTH * 3);
  private readonly previousFrame = new Uint8Array(G.SCREEN_HEIGHT * G.SCREEN_WIDTH * 3);
  /** bricks[row * 18 + column]: 1 while the brick stands. */
  readonly bricks = new Uint8Array(G.BRICK_ROWS * G.BRICK_COLUMNS);

  // Game state, public for tests and renderers (read-only by convention).
  score = 0;
  lives = 5;
  wall = 0;
  frameNumber = 0;
  paddleX = 0;
  paddleWidth: number = G.PADDLE_WIDTH;
  ballInPlay = false;
  ballX = 0;
  ballY = 0;
  ballVX = 0;
  ballVY = 0;
  paddleHits = 0;
  speedLevel = 0;
  private hitOrange = false;
  private hitRed = false;
  private reachedTop = false;
  private lastAction: number = Action.NOOP;
  private gameOver = true;

  constructor(seed = 0, options: Partial<BreakoutOptions> = {}) {
    this.options = { ...defaultBreakoutOptions, ...options };
    const o = this.options;
    if (!Number.isInteger(o.frameSkip) || o.frameSkip < 1) throw new RangeError(`breakout: frameSkip must be a positive integer, got ${o.frameSkip}`);
    if (!(o.repeatActionProbability >= 0 && o.repeatActionProbability < 1)) throw new RangeError(`breakout: repeatActionProbability must be in [0, 1), got ${o.repeatActionProbability}`);
    if (!Number.isInteger(o.maxEpisodeFrames) || o.maxEpisodeFrames < 1) throw new RangeError(`breakout: maxEpisodeFrames must be a positive integer, got ${o.maxEpisodeFrames}`);
    this.rng = new Rng(seed);
  }

  reset(options: ResetOptions = {}): ResetResult<Uint8Array> {
    if (options.seed !== undefined) this.rng = new Rng(options.seed);
    this.bricks.fill(1);
    this.score = 0;
    this.lives = 5;
    this.wall = 0;
    this.frameNumber = 0;
    this.paddleWidth = G.PADDLE_WIDTH;
    this.paddleX = Math.floor((G.PLAY_LEFT + G.PLAY_RIGHT - this.paddleWidth) / 2);
    this.ballInPlay = false;
    this.paddleHits = 0;
    this.speedLevel = 0;
    this.hitOrange = this.hitRed = this.reachedTop = false;
    this.lastAction = Action.NOOP;
    this.gameOver = false;
    this.draw(this.frame);
    return { observation: this.frame, info: { lives: this.lives, frame: 0 } };
  }

  step(action: number): StepResult<Uint8Array> {
    checkAction(action, this.actionSpace, 'breakout');
    if (this.gameOver) throw new Error('breakout: step() called before reset() or after the episode ended');
    const o = this.options;
    let reward = 0;
    for (let i = 0; i < o.frameSkip && !this.gameOver; i++) {
      const sticky = o.repeatActionProbability > 0 && this.rng.next() < o.repeatActionProbability;
      const frameAction = sticky ? this.lastAction : action;
      this.lastAction = frameAction;
      reward += this.advanceFrame(frameAction);
      if (o.maxPoolLastTwoFrames && i === o.frameSkip - 2) this.draw(this.previousFrame);
    }
    this.draw(this.frame);
    if (o.maxPoolLastTwoFrames && o.frameSkip > 1) {
      for (let i = 0; i < this.frame.length; i++) if (this.previousFrame[i] > this.frame[i]) this.frame[i] = this.previousFrame[i];
    }
    const terminated = this.gameOver;
    const truncated = !terminated && this.frameNumber >= o.maxEpisodeFrames;
    if (truncated) this.gameOver = true;
    return {
      observation: this.frame, reward, terminated, truncated,
      info: { lives: this.lives, frame: this.frameNumber },
    };
  }

  render(): { width: number; height: number; rgb: Uint8Array } {
    return { width: G.SCREEN_WIDTH, height: G.SCREEN_HEIGHT, rgb: this.frame };
  }

  close(): void {}

  /** Bricks still standing. */
  bricksLeft(): number {
    let n = 0;
    for (const b of this.bricks) n += b;
    return n;
  }

  /** Places the ball (for tests and scripted scenarios): position, velocity, in play. */
  placeBall(x: number, y: number, vx: number, vy: number): void {
    this.ballX = x; this.ballY = y; this.ballVX = vx; this.ballVY = vy; this.ballInPlay = true;
  }

  private get verticalSpeed(): number {
    return this.options.ballSpeed * (1 + 0.25 * this.speedLevel);
  }

  private speedUp(): void {
    if (this.speedLevel >= MAX_SPEED_LEVEL) return;
    const before = this.verticalSpeed;
    this.speedLevel++;
    const scale = this.verticalSpeed / before;
    this.ballVX *= scale;
    this.ballVY *= scale;
  }

  /** Advances one frame; returns the points scored in it. */
  private advanceFrame(action: number): number {
    this.frameNumber++;
    const speed = this.options.paddleSpeed;
    if (action === Action.RIGHT) this.paddleX = Math.min(this.paddleX + speed, G.PLAY_RIGHT - this.paddleWidth);
    else if (action === Action.LEFT) this.paddleX = Math.max(this.paddleX - speed, G.PLAY_LEFT);

    if (!this.ballInPlay) {
      if (action === Action.FIRE) this.serve();
      return 0;
    }
    this.ballX += this.ballVX;
    this.ballY += this.ballVY;
    let points = 0;

    // side walls and top wall
    if (this.ballX < G.PLAY_LEFT) { this.ballX = 2 * G.PLAY_LEFT - this.ballX; this.ballVX = Math.abs(this.ballVX); }
    if (this.ballX + G.BALL_WIDTH > G.PLAY_RIGHT) { this.ballX = 2 * (G.PLAY_RIGHT - G.BALL_WIDTH) - this.ballX; this.ballVX = -Math.abs(this.ballVX); }
    if (this.ballY < G.PLAY_TOP) {
      this.ballY = 2 * G.PLAY_TOP - this.ballY;
      this.ballVY = Math.abs(this.ballVY);
      if (!this.reachedTop) {
        this.reachedTop = true;
        this.paddleWidth = G.PADDLE_WIDTH_SMALL;
      }
    }

    points += this.collideBricks();

    // paddle
    const ballBottom = this.ballY + G.BALL_HEIGHT;
    if (this.ballVY > 0 && ballBottom >= G.PADDLE_TOP && this.ballY < G.PADDLE_TOP + G.PADDLE_HEIGHT
      && this.ballX + G.BALL_WIDTH > this.paddleX && this.ballX < this.paddleX + this.paddleWidth) {
      this.bounceOffPaddle();
    } else if (this.ballY >= G.WALL_BOTTOM) {
      this.ballInPlay = false;
      this.lives--;
      if (this.lives === 0) this.gameOver = true;
    }
    return points;
  }

  private serve(): void {
    if (this.lives <= 0) return;
    const v = this.verticalSpeed;
    const x = this.rng.int(G.PLAY_LEFT + 16, G.PLAY_RIGHT - 16 - G.BALL_WIDTH);
    const slope = this.rng.next() < 0.5 ? -0.5 : 0.5;
    this.placeBall(x, SERVE_Y, slope * v, v);
  }

  private bounceOffPaddle(): void {
    const ballCenter = this.ballX + G.BALL_WIDTH / 2;
    const offset = (ballCenter - this.paddleX) / this.paddleWidth; // 0 = left edge, 1 = right edge
    const zone = Math.max(0, Math.min(ZONE_SLOPES.length - 1, Math.floor(offset * ZONE_SLOPES.length)));
    let slope = ZONE_SLOPES[zone];
    if (zone === 2) slope = this.ballVX < 0 ? -Math.abs(slope) : Math.abs(slope); // centre keeps direction
    this.ballY = G.PADDLE_TOP - G.BALL_HEIGHT;
    this.paddleHits++;
    if (this.paddleHits === 4 || this.paddleHits === 12) this.speedLevel = Math.min(MAX_SPEED_LEVEL, this.speedLevel + 1);
    const v = this.verticalSpeed;
    this.ballVY = -v;
    this.ballVX = slope * v;
  }

  /** Breaks at most one brick the ball overlaps and bounces it vertically; returns the points. */
  private collideBricks(): number {
    const top = this.ballY, bottom = this.ballY + G.BALL_HEIGHT;
    const left = this.ballX, right = this.ballX + G.BALL_WIDTH;
    const brickBottom = G.BRICK_TOP + G.BRICK_ROWS * G.BRICK_HEIGHT;
    if (bottom <= G.BRICK_TOP || top >= brickBottom) return 0;
    const rowFrom = Math.max(0, Math.floor((top - G.BRICK_TOP) / G.BRICK_HEIGHT));
    const rowTo = Math.min(G.BRICK_ROWS - 1, Math.floor((bottom - 1e-9 - G.BRICK_TOP) / G.BRICK_HEIGHT));
    const colFrom = Math.max(0, Math.floor((left - G.PLAY_LEFT) / G.BRICK_WIDTH));
    const colTo = Math.min(G.BRICK_COLUMNS - 1, Math.floor((right - 1e-9 - G.PLAY_LEFT) / G.BRICK_WIDTH));
    // Moving up, the lowest row is met first; moving down, the highest.
    const up = this.ballVY < 0;
    const first = up ? rowTo : rowFrom, last = up ? rowFrom : rowTo, direction = up ? -1 : 1;
    for (let row = first; row !== last + direction; row += direction) {
      for (let col = colFrom; col <= colTo; col++) {
        const index = row * G.BRICK_COLUMNS + col;
        if (!this.bricks[index]) continue;
        this.bricks[index] = 0;
        this.ballVY = -this.ballVY;
        if (row === G.ORANGE_ROW && !this.hitOrange) { this.hitOrange = true; this.speedUp(); }
        if (row === G.RED_ROW && !this.hitRed) { this.hitRed = true; this.speedUp(); }
        const points = G.ROW_POINTS[row];
        this.score += points;
        if (this.bricksLeft() === 0) {
          if (this.wall === 0) { this.wall = 1; this.bricks.fill(1); }
          else this.gameOver = true;
        }
        return points;
      }
    }
    return 0;
  }

  /** Draws the whole screen into `target` (RGB, row-major). */
  private draw(target: Uint8Array): void {
    target.fill(0);
    const W = G.SCREEN_WIDTH;
    const rect = (x0: number, y0: number, w: number, h: number, c: readonly number[]): void => {
      const xa = Math.max(0, Math.round(x0)), ya = Math.max(0, Math.round(y0));
      const xb = Math.min(W, Math.round(x0) + w), yb = Math.min(G.SCREEN_HEIGHT, Math.round(y0) + h);
      for (let y = ya; y < yb; y++) {
        let p = (y * W + xa) * 3;
        for (let x = xa; x < xb; x++) { target[p++] = c[0]; target[p++] = c[1]; target[p++] = c[2]; }
      }
    };
    rect(0, G.TOP_WALL_TOP, W, G.PLAY_TOP - G.TOP_WALL_TOP, G.WALL_COLOR);
    rect(0, G.TOP_WALL_TOP, G.PLAY_LEFT, G.WALL_BOTTOM - G.TOP_WALL_TOP, G.WALL_COLOR);
    rect(G.PLAY_RIGHT, G.TOP_WALL_TOP, W - G.PLAY_RIGHT, G.WALL_BOTTOM - G.TOP_WALL_TOP, G.WALL_COLOR);
    for (let row = 0; row < G.BRICK_ROWS; row++) {
      for (let col = 0; col < G.BRICK_COLUMNS; col++) {
        if (this.bricks[row * G.BRICK_COLUMNS + col]) {
          rect(G.PLAY_LEFT + col * G.BRICK_WIDTH, G.BRICK_TOP + row * G.BRICK_HEIGHT, G.BRICK_WIDTH, G.BRICK_HEIGHT, G.ROW_COLORS[row]);
        }
      }
    }
    rect(this.paddleX, G.PADDLE_TOP, this.paddleWidth, G.PADDLE_HEIGHT, G.PADDLE_COLOR);
    if (this.ballInPlay) rect(this.ballX, this.ballY, G.BALL_WIDTH, G.BALL_HEIGHT, G.BALL_COLOR);
    this.drawNumber(target, this.score, 3, 36);
    this.drawNumber(target, this.lives, 1, 100);
    this.drawNumber(target, 1, 1, 128); // player number, as the Atari shows it
  }

  private drawNumber(target: Uint8Array, value: number, digits: number, right: number): void {
    const text = String(value).padStart(digits, '0').slice(-Math.max(digits, String(value).length));
    const W = G.SCREEN_WIDTH;
    let x0 = right - text.length * 8;
    for (const ch of text) {
      const glyph = G.DIGITS[ch.charCodeAt(0) - 48];
      for (let gy = 0; gy < 5; gy++) for (let gx = 0; gx < 3; gx++) {
        if (glyph[gy * 3 + gx] !== '1') continue;
        for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) {
          const p = ((G.SCORE_TOP + gy * 2 + dy) * W + x0 + gx * 2 + dx) * 3;
          target[p] = G.WALL_COLOR[0]; target[p + 1] = G.WALL_COLOR[1]; target[p + 2] = G.WALL_COLOR[2];
        }
      }
      x0 += 8;
    }
  }
}
