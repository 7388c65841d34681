import { Rng } from '../../util/rng.js';
import { checkAction, type BoxSpace, type DiscreteSpace, type Env, type ResetOptions, type ResetResult, type StepResult } from '../env.js';
import { FrameChanges, type ReportsFrameChanges } from '../frameChanges.js';
import * as G from './geometry.js';
import { Picture, type Scene } from './picture.js';

export interface BreakoutOptions {
  /** Frames each action is repeated (ALE frameskip; BreakoutDeterministic-v4 and v5 use 4). */
  frameSkip: number;
  /** Probability that a frame repeats the previous action instead (ALE sticky actions; v5: 0.25). */
  repeatActionProbability: number;
  /** Episode is truncated after this many frames (the ALE's max_num_frames_per_episode: 108,000). */
  maxEpisodeFrames: number;
  /** Observation is the pixel-wise max of the last two frames of the skip (DQN-style). */
  maxPoolLastTwoFrames: boolean;
  /**
   * Observed frames repaint only what changed since the previous one and report it (so the gray
   * preprocessing recomputes only what that touches); false draws every observed frame whole,
   * as before: the reference the fast path is compared against.
   */
  drawChangesOnly: boolean;
}

export const defaultBreakoutOptions: BreakoutOptions = {
  frameSkip: 4, repeatActionProbability: 0, maxEpisodeFrames: 108_000, maxPoolLastTwoFrames: false, drawChangesOnly: true,
};

/** Options that existed once and are gone on purpose: a clear error instead of a silent ignore. */
const REMOVED_OPTIONS: Record<string, string> = {
  ballSpeed: 'the ball\'s speeds are the real game\'s now (docs/breakout.md); drop the option',
  paddleSpeed: 'the paddle moves as the ALE drives the real paddle controller now (docs/breakout.md); drop the option',
};

/** Why an option that no longer exists was removed, or undefined for any other name. */
export function removedBreakoutOption(key: string): string | undefined {
  return Object.hasOwn(REMOVED_OPTIONS, key) ? REMOVED_OPTIONS[key] : undefined;
}

export const Action = { NOOP: 0, FIRE: 1, RIGHT: 2, LEFT: 3 } as const;

/**
 * Atari 2600 Breakout, re-implemented natively after the real cartridge as the ALE runs it:
 * 210x160x3 RGB frames, minimal action set (NOOP, FIRE, RIGHT, LEFT), 5 lives, frame skip and
 * sticky actions. The paddle is the ALE's paddle controller (resistance moved 23,000 a frame)
 * read by the game with a frame's lag and halfway smoothing; FIRE serves from one of four
 * points at 45 degrees; a lost ball falls out of the picture before the lives digit changes;
 * bricks score 1, 1, 4, 4, 7, 7 from the bottom row up, one brick until the ball touches a wall
 * or the paddle again; the paddle halves at the top wall until the ball is lost. The episode
 * ends when the lives reach 0 (the ALE's terminal) or is truncated after 108,000 frames.
 * docs/breakout.md lists what comes from which source.
 */
export class Breakout implements Env<Uint8Array>, ReportsFrameChanges, Scene {
  readonly observationSpace: BoxSpace = { kind: 'box', shape: [G.SCREEN_HEIGHT, G.SCREEN_WIDTH, 3], low: 0, high: 255 };
  readonly actionSpace: DiscreteSpace = { kind: 'discrete', n: 4, names: ['NOOP', 'FIRE', 'RIGHT', 'LEFT'] };
  readonly options: BreakoutOptions;

  private rng: Rng;
  /** The last frame of each step (and the reset frame). */
  private readonly picture = new Picture();
  /** With max-pooling: the frame before the last, and the pixel-wise max of both. */
  private readonly previousPicture: Picture | null = null;
  private readonly pooled: Uint8Array | null = null;
  /** Where either picture changed since `pooled` was last computed. */
  private readonly poolChanges = new FrameChanges();
  /** Readers of the changes to `pooled`. */
  private readonly pooledWatchers: FrameChanges[] = [];
  private observation: Uint8Array = this.picture.rgb;
  /** bricks[row * 18 + column]: 1 while the brick stands. */
  readonly bricks = new Uint8Array(G.BRICK_ROWS * G.BRICK_COLUMNS);

  // Game state, public for tests and renderers (read-only by convention).
  score = 0;
  lives = 5;
  /** 0 for the first wall, 1 once the second has been brought in. */
  wall = 0;
  /** Frames since reset. */
  frameNumber = 0;
  /** The ALE's paddle resistance; RIGHT lowers it, LEFT raises it. */
  resistance = G.RESISTANCE_CENTRE;
  paddleX = 0;
  paddleWidth: number = G.PADDLE_WIDTH;
  ballInPlay = false;
  ballX = 0;
  ballY = 0;
  /** Directions, -1 or +1; the speed tier gives the pixels per frame. */
  ballDX = 1;
  ballDY = 1;
  speedTier = 0;
  paddleHits = 0;
  /** False from a broken brick until the ball touches a wall or the paddle. */
  bricksHittable = true;
  private lastAction: number = Action.NOOP;
  private gameOver = true;

  constructor(seed = 0, options: Partial<BreakoutOptions> = {}) {
    for (const key of Object.keys(options)) {
      const removed = removedBreakoutOption(key);
      if (removed) throw new RangeError(`breakout: option '${key}' was removed: ${removed}`);
      if (!(key in defaultBreakoutOptions)) throw new RangeError(`breakout: unknown option '${key}': choose from ${Object.keys(defaultBreakoutOptions).join(', ')}`);
    }
    this.options = { ...defaultBreakoutOptions, ...options };
    const o = this.options;
    if (!Number.isInteger(o.frameSkip) || o.frameSkip < 1) throw new RangeError(`breakout: frameSkip must be a positive integer, got ${o.frameSkip}`);
    if (!(o.repeatActionProbability >= 0 && o.repeatActionProbability < 1)) throw new RangeError(`breakout: repeatActionProbability must be in [0, 1), got ${o.repeatActionProbability}`);
    if (!Number.isInteger(o.maxEpisodeFrames) || o.maxEpisodeFrames < 1) throw new RangeError(`breakout: maxEpisodeFrames must be a positive integer, got ${o.maxEpisodeFrames}`);
    if (typeof o.drawChangesOnly !== 'boolean') throw new RangeError(`breakout: drawChangesOnly must be true or false, got ${o.drawChangesOnly}`);
    this.rng = new Rng(seed);
    if (this.pooling) { // only then: two more frame buffers
      this.previousPicture = new Picture();
      this.pooled = new Uint8Array(G.SCREEN_HEIGHT * G.SCREEN_WIDTH * 3);
      this.picture.watchers.push(this.poolChanges);
      this.previousPicture.watchers.push(this.poolChanges);
    }
  }

  /** Whether observations are max-pooled over the last two frames of the skip. */
  private get pooling(): boolean { return this.options.maxPoolLastTwoFrames && this.options.frameSkip > 1; }

  /** The ball is in play and above the picture's bottom edge. */
  get ballShown(): boolean { return this.ballInPlay && this.ballY < G.PICTURE_BOTTOM; }

  watchFrameChanges(): FrameChanges | null {
    if (!this.options.drawChangesOnly) return null;
    const changes = new FrameChanges();
    (this.pooling ? this.pooledWatchers : this.picture.watchers).push(changes);
    return changes;
  }

  reset(options: ResetOptions = {}): ResetResult<Uint8Array> {
    if (options.seed !== undefined) this.rng = new Rng(options.seed);
    this.bricks.fill(1);
    this.score = 0;
    this.lives = 5;
    this.wall = 0;
    this.frameNumber = 0;
    this.resistance = G.RESISTANCE_CENTRE;
    this.paddleX = paddleTarget(this.resistance); // the ALE's reset runs long enough for the paddle to settle
    this.paddleWidth = G.PADDLE_WIDTH;
    this.ballInPlay = false;
    this.newBall();
    this.lastAction = Action.NOOP;
    this.gameOver = false;
    this.draw(this.picture);
    this.observation = this.picture.rgb;
    return { observation: this.observation, info: { lives: this.lives, frame: 0 } };
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
      if (this.previousPicture !== null && i === o.frameSkip - 2) this.draw(this.previousPicture);
    }
    this.draw(this.picture);
    this.observation = this.previousPicture !== null && this.pooled !== null ? this.pool(this.previousPicture.rgb, this.pooled) : this.picture.rgb;
    const terminated = this.gameOver;
    const truncated = !terminated && this.frameNumber >= o.maxEpisodeFrames;
    if (truncated) this.gameOver = true;
    return {
      observation: this.observation, reward, terminated, truncated,
      info: { lives: this.lives, frame: this.frameNumber },
    };
  }

  render(): { width: number; height: number; rgb: Uint8Array } {
    return { width: G.SCREEN_WIDTH, height: G.SCREEN_HEIGHT, rgb: this.observation };
  }

  close(): void {}

  /** Bricks still standing. */
  bricksLeft(): number {
    let n = 0;
    for (let i = 0; i < this.bricks.length; i++) n += this.bricks[i];
    return n;
  }

  /** Places the ball (for tests and scripted scenarios): position, directions, speed tier, in play. */
  placeBall(x: number, y: number, dx: number, dy: number, tier = 0): void {
    this.ballX = x; this.ballY = y; this.ballDX = dx < 0 ? -1 : 1; this.ballDY = dy < 0 ? -1 : 1;
    this.speedTier = tier; this.ballInPlay = true;
  }

  /** Pixels the ball moves this frame: [dx, dy] magnitudes of its tier, alternating by frame. */
  private speedX(): number { return G.SPEED_TIERS[this.speedTier][(this.frameNumber & 1) * 2]; }
  private speedY(): number { return G.SPEED_TIERS[this.speedTier][(this.frameNumber & 1) * 2 + 1]; }

  /** State that every new ball starts with: slow, full paddle, counters cleared. */
  private newBall(): void {
    this.speedTier = 0;
    this.paddleHits = 0;
    this.bricksHittable = true;
    this.paddleWidth = G.PADDLE_WIDTH;
  }

  /** Advances one frame; returns the points scored in it. */
  private advanceFrame(action: number): number {
    this.frameNumber++;
    this.movePaddle(action);
    if (!this.ballInPlay) {
      if (action === Action.FIRE && this.lives > 0) this.serve();
      return 0;
    }
    this.ballX += this.ballDX * this.speedX();
    this.ballY += this.ballDY * this.speedY();
    this.bounceOffWalls();
    const points = this.collideBricks();
    if (this.ballDY > 0 && this.touchesPaddle()) this.bounceOffPaddle();
    if (this.ballY >= G.BALL_LOST_Y) {
      this.ballInPlay = false;
      this.lives--;
      this.newBall();
      if (this.lives === 0) this.gameOver = true;
    }
    return points;
  }

  /**
   * The ALE moves the paddle's resistance every frame; the game places the paddle from the
   * previous frame's reading and covers half the remaining distance each frame.
   */
  private movePaddle(action: number): void {
    const reading = this.resistance;
    if (action === Action.RIGHT) this.resistance = Math.max(G.RESISTANCE_MIN, this.resistance - G.RESISTANCE_DELTA);
    else if (action === Action.LEFT) this.resistance = Math.min(G.RESISTANCE_MAX, this.resistance + G.RESISTANCE_DELTA);
    this.paddleX += Math.round((paddleTarget(reading) - this.paddleX) / 2);
  }

  private serve(): void {
    const spot = this.frameNumber & 3;
    this.placeBall(G.SERVE_X[spot], G.SERVE_Y, G.SERVE_DIRECTION_X[spot], 1, 0);
  }

  /** Side walls (only above the paddle's line: a ball below it is lost) and the top wall. */
  private bounceOffWalls(): void {
    if (this.ballY < G.PADDLE_TOP + G.PADDLE_HEIGHT) {
      const inBrickBand = this.ballY >= G.BRICK_TOP && this.ballY <= G.BRICK_BOTTOM;
      if (this.ballX < G.PLAY_LEFT) {
        this.ballX = G.PLAY_LEFT; this.ballDX = 1;
        if (!inBrickBand) this.bricksHittable = true;
      } else if (this.ballX > G.PLAY_RIGHT - G.BALL_WIDTH) {
        this.ballX = G.PLAY_RIGHT - G.BALL_WIDTH; this.ballDX = -1;
        if (!inBrickBand) this.bricksHittable = true;
      }
    }
    if (this.ballY < G.PLAY_TOP) {
      this.ballY = G.PLAY_TOP; this.ballDY = 1;
      this.bricksHittable = true;
      this.paddleWidth = G.PADDLE_WIDTH_SMALL;
    }
  }

  /** The ball's pixels overlap the paddle's (as the console's collision latch sees it), sides included. */
  private touchesPaddle(): boolean {
    return this.ballY + G.BALL_HEIGHT > G.PADDLE_TOP && this.ballY < G.PADDLE_TOP + G.PADDLE_HEIGHT
      && this.ballX + G.BALL_WIDTH > this.paddleX && this.ballX < this.paddleX + this.paddleWidth;
  }

  /** The paddle's fifths: outer ones send the ball off flat, inner ones steep; the middle keeps its side. */
  private bounceOffPaddle(): void {
    const fifth = Math.max(0, Math.min(4, Math.floor(((this.ballX - this.paddleX) * 5) / this.paddleWidth)));
    this.ballDY = -1;
    if (fifth < 2) this.ballDX = -1;
    else if (fifth > 2) this.ballDX = 1;
    this.paddleHits++;
    if (this.speedTier !== G.FASTEST_TIER) {
      this.speedTier = this.paddleHits >= G.HITS_FOR_TIER_3 ? 3 : fifth === 0 || fifth === 4 ? 1 : 2;
    }
    this.bricksHittable = true;
    if (this.wall === 0 && this.bricksLeft() === 0) { // the second wall comes in on the next hit
      this.wall = 1;
      this.bricks.fill(1);
    }
  }

  /** Breaks the first standing brick the ball overlaps, if it may break one; returns the points. */
  private collideBricks(): number {
    if (!this.bricksHittable) return 0;
    const top = this.ballY, bottom = this.ballY + G.BALL_HEIGHT - 1;
    if (bottom < G.BRICK_TOP || top >= G.BRICK_BOTTOM) return 0;
    const rowFrom = Math.max(0, Math.floor((top - G.BRICK_TOP) / G.BRICK_HEIGHT));
    const rowTo = Math.min(G.BRICK_ROWS - 1, Math.floor((bottom - G.BRICK_TOP) / G.BRICK_HEIGHT));
    const colFrom = Math.max(0, Math.floor((this.ballX - G.PLAY_LEFT) / G.BRICK_WIDTH));
    const colTo = Math.min(G.BRICK_COLUMNS - 1, Math.floor((this.ballX + G.BALL_WIDTH - 1 - G.PLAY_LEFT) / G.BRICK_WIDTH));
    // Moving up, the lowest row is met first; moving down, the highest.
    const up = this.ballDY < 0;
    const first = up ? rowTo : rowFrom, last = up ? rowFrom : rowTo, step = up ? -1 : 1;
    for (let row = first; row !== last + step; row += step) {
      for (let col = colFrom; col <= colTo; col++) {
        const index = row * G.BRICK_COLUMNS + col;
        if (!this.bricks[index]) continue;
        this.bricks[index] = 0;
        this.ballDY = -this.ballDY;
        this.bricksHittable = false;
        if (row < G.FAST_ROWS) this.speedTier = G.FASTEST_TIER;
        const points = G.ROW_POINTS[row];
        this.score += points;
        return points;
      }
    }
    return 0;
  }

  /** Brings a picture up to the current state: only what changed, or (the reference) all of it. */
  private draw(picture: Picture): void {
    if (this.options.drawChangesOnly) picture.update(this);
    else picture.paintAll(this);
  }

  /** The pixel-wise max of the last two frames, recomputed where either changed since the last time. */
  private pool(a: Uint8Array, out: Uint8Array): Uint8Array {
    const b = this.picture.rgb, changes = this.poolChanges;
    if (changes.all) {
      for (let i = 0; i < out.length; i++) out[i] = a[i] > b[i] ? a[i] : b[i];
      for (const w of this.pooledWatchers) w.markAll();
    } else {
      const r = changes.rects;
      for (let k = 0; k < changes.count; k++) {
        const x0 = r[4 * k], y0 = r[4 * k + 1], x1 = r[4 * k + 2], y1 = r[4 * k + 3];
        for (let y = y0; y < y1; y++) {
          for (let i = (y * G.SCREEN_WIDTH + x0) * 3, end = (y * G.SCREEN_WIDTH + x1) * 3; i < end; i++) out[i] = a[i] > b[i] ? a[i] : b[i];
        }
        for (const w of this.pooledWatchers) w.add(x0, y0, x1, y1);
      }
    }
    changes.clear();
    return out;
  }
}

/** The paddle position the game derives from a resistance, within the range it allows. */
export function paddleTarget(resistance: number): number {
  const x = Math.round(G.PADDLE_X_AT_ZERO - resistance * G.PIXELS_PER_RESISTANCE);
  return Math.max(G.PADDLE_MIN_X, Math.min(G.PADDLE_MAX_X, x));
}
