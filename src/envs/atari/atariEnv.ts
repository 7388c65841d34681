import { Rng } from '../../util/rng.js';
import type { IndexedFrame, ReportsIndexedFrames } from '../indexedFrames.js';
import { checkAction, type BoxSpace, type DiscreteSpace, type Env, type ResetOptions, type ResetResult, type StepResult } from '../env.js';
import { ACTION_NAMES, AleAction, type GameSettings, type GameTracker } from './games.js';
import { SCREEN_HEIGHT, SCREEN_WIDTH } from './stella.js';
import { DEFAULT_EMULATOR, EMULATORS, createEmulator, type EmulatorCore, type EmulatorKind, type Inputs } from './emulatorCore.js';

export interface AtariOptions {
  /** Frames each action is repeated (ALE frameskip; Deterministic-v4: 4). */
  frameSkip: number;
  /** Probability that a frame keeps the previous action (ALE sticky actions; v5: 0.25). */
  repeatActionProbability: number;
  /** The episode is truncated after this many frames (Gymnasium Atari v5: 108,000). */
  maxEpisodeFrames: number;
  /** The observation is the pixel-wise max of the last two frames of the skip (DQN-style). */
  maxPoolLastTwoFrames: boolean;
  /** Which 2600 core runs the ROM: 6502.ts (the reference) or ours (src/envs/atari/cores/ours). */
  emulator: EmulatorKind;
}

/** The ALE's options (`--env-option`); the core is chosen apart from them (`--emulator`). */
export const DEFAULT_ATARI_OPTIONS: Omit<AtariOptions, 'emulator'> = { frameSkip: 4, repeatActionProbability: 0, maxEpisodeFrames: 108_000, maxPoolLastTwoFrames: false };

/** The ALE's paddle model: resistance moved by ±23,000 per frame within [27,450, 790,196], centred at reset. */
const PADDLE = { delta: 23_000, min: 27_450, max: 790_196 };
/** Where the paddle is at reset. */
export const PADDLE_CENTRE = (PADDLE.min + PADDLE.max) / 2;

/**
 * Stella (ALE) paddle resistance to the 6502.ts paddle value: both emulators charge the paddle
 * capacitor until a threshold, ALE's Stella in 1.6e-8 * R s at 1.19 MHz (R * 0.019 CPU cycles),
 * 6502.ts in 380 * (v * 1e6 + 1800) / (1e6 + 1800) scanlines of 76 cycles. Equal times give this.
 */
export function paddleValue(resistance: number): number {
  const lines = (resistance * 1.6e-8 * 1.19e6) / 76;
  return (lines * (1e6 + 1800)) / 380 / 1e6 - 1800 / 1e6;
}

/** The joystick (and fire button) of ALE action `action`, with the paddle at `resistance` and the console switches off. */
export function actionInputs(action: number, resistance: number = PADDLE_CENTRE): Inputs {
  const A = AleAction;
  const right = action === A.RIGHT || action === A.UPRIGHT || action === A.DOWNRIGHT || action === A.RIGHTFIRE || action === A.UPRIGHTFIRE || action === A.DOWNRIGHTFIRE;
  const left = action === A.LEFT || action === A.UPLEFT || action === A.DOWNLEFT || action === A.LEFTFIRE || action === A.UPLEFTFIRE || action === A.DOWNLEFTFIRE;
  const up = action === A.UP || action === A.UPRIGHT || action === A.UPLEFT || action === A.UPFIRE || action === A.UPRIGHTFIRE || action === A.UPLEFTFIRE;
  const down = action === A.DOWN || action === A.DOWNRIGHT || action === A.DOWNLEFT || action === A.DOWNFIRE || action === A.DOWNRIGHTFIRE || action === A.DOWNLEFTFIRE;
  const fire = action === A.FIRE || action >= A.UPFIRE;
  return { up, down, left, right, fire, paddle: paddleValue(resistance), reset: false, select: false };
}

/** The ALE moves the paddle every frame: RIGHT lowers the resistance, LEFT raises it. */
export function movePaddle(resistance: number, inputs: Pick<Inputs, 'left' | 'right'>): number {
  if (inputs.right) resistance = Math.max(PADDLE.min, resistance - PADDLE.delta);
  if (inputs.left) resistance = Math.min(PADDLE.max, resistance + PADDLE.delta);
  return resistance;
}

/**
 * An Atari 2600 game from a user's ROM with the Arcade Learning Environment's semantics: reset
 * sequence, frame skip with sticky actions, reward/lives/terminal from RAM, the minimal action
 * set, 210x160 RGB observations in the NTSC palette, truncation after `maxEpisodeFrames`.
 */
export class AtariEnv implements Env<Uint8Array>, ReportsIndexedFrames {
  readonly observationSpace: BoxSpace = { kind: 'box', shape: [SCREEN_HEIGHT, SCREEN_WIDTH, 3], low: 0, high: 255 };
  readonly actionSpace: DiscreteSpace;
  readonly options: AtariOptions;
  private readonly machine: EmulatorCore;
  private readonly frame = new Uint8Array(SCREEN_HEIGHT * SCREEN_WIDTH * 3);
  private readonly previous = new Uint8Array(SCREEN_HEIGHT * SCREEN_WIDTH * 3);
  private readonly ram: (i: number) => number;
  private tracker: GameTracker;
  private rng: Rng;
  private lastAction: number = AleAction.NOOP;
  private paddle = PADDLE_CENTRE;
  private episodeFrames = 0;
  private needsReset = true;

  constructor(readonly game: GameSettings, rom: Uint8Array, seed = 0, options: Partial<AtariOptions> = {}) {
    this.options = { ...DEFAULT_ATARI_OPTIONS, emulator: DEFAULT_EMULATOR, ...options };
    const o = this.options;
    if (!Number.isInteger(o.frameSkip) || o.frameSkip < 1) throw new RangeError(`${game.id}: frameSkip must be a positive integer, got ${o.frameSkip}`);
    if (!(o.repeatActionProbability >= 0 && o.repeatActionProbability < 1)) throw new RangeError(`${game.id}: repeatActionProbability must be in [0, 1), got ${o.repeatActionProbability}`);
    this.actionSpace = { kind: 'discrete', n: game.minimalActions.length, names: game.minimalActions.map((a) => ACTION_NAMES[a]) };
    if (!EMULATORS.includes(o.emulator)) throw new RangeError(`${game.id}: emulator must be one of ${EMULATORS.join(', ')}, got ${o.emulator}`);
    this.machine = createEmulator(o.emulator, rom, seed, game.paddles);
    this.ram = (i) => this.machine.ram(i);
    this.tracker = game.tracker();
    this.rng = new Rng(seed);
  }

  /** Frames emulated so far, resets included (for benchmarks). */
  get framesEmulated(): number { return this.machine.framesEmulated; }

  reset(options: ResetOptions = {}): ResetResult<Uint8Array> {
    if (options.seed !== undefined) this.rng = new Rng(options.seed);
    const { game, machine } = this;
    this.paddle = PADDLE_CENTRE;
    machine.hardReset();
    this.emulate(AleAction.NOOP, 60);
    this.softReset();
    this.tracker = game.tracker();
    if (game.mode) {
      // Press SELECT until the mode byte reads the default mode (bounded: a ROM may not have modes).
      for (let presses = 0; presses < 256 && this.ram(game.mode.ramIndex) !== game.mode.value; presses++) {
        for (let f = 0; f < game.mode.selectFrames; f++) machine.frame(this.inputs(AleAction.NOOP, { select: true }));
        this.emulate(AleAction.NOOP, 1);
      }
    }
    this.softReset();
    for (const action of game.startingActions) this.emulate(action, 1);
    this.lastAction = AleAction.NOOP;
    this.episodeFrames = 0;
    this.needsReset = false;
    machine.screen(this.frame);
    return { observation: this.frame, info: { lives: this.tracker.lives, frame: 0 } };
  }

  step(action: number): StepResult<Uint8Array> {
    checkAction(action, this.actionSpace, this.game.id);
    if (this.needsReset) throw new Error(`${this.game.id}: step() called before reset() or after the episode ended`);
    const o = this.options;
    const wanted = this.game.minimalActions[action];
    let reward = 0;
    for (let i = 0; i < o.frameSkip && !this.tracker.terminal; i++) {
      if (o.repeatActionProbability === 0 || this.rng.uniform(0, 1) >= o.repeatActionProbability) this.lastAction = wanted;
      // Only the frames the observation is made of need pixels.
      const observed = i === o.frameSkip - 1 || (o.maxPoolLastTwoFrames && i === o.frameSkip - 2);
      reward += this.emulate(this.lastAction, 1, observed);
      this.episodeFrames++;
      if (o.maxPoolLastTwoFrames && i === o.frameSkip - 2) this.machine.screen(this.previous);
    }
    this.machine.screen(this.frame);
    if (o.maxPoolLastTwoFrames && o.frameSkip > 1) {
      for (let i = 0; i < this.frame.length; i++) if (this.previous[i] > this.frame[i]) this.frame[i] = this.previous[i];
    }
    const terminated = this.tracker.terminal;
    const truncated = !terminated && this.episodeFrames >= o.maxEpisodeFrames;
    if (terminated || truncated) this.needsReset = true;
    return { observation: this.frame, reward, terminated, truncated, info: { lives: this.tracker.lives, frame: this.episodeFrames } };
  }

  render(): { width: number; height: number; rgb: Uint8Array } {
    return { width: SCREEN_WIDTH, height: SCREEN_HEIGHT, rgb: this.frame };
  }

  /**
   * The observation as the core's palette indices: they are what `screen` converts at the end
   * of each step and reset, and nothing draws into them until the next. Null when frames are
   * max-pooled (a pixel-wise max of RGB is no palette colour) or the core gives RGB only.
   */
  indexedFrame(): IndexedFrame | null {
    if (this.options.maxPoolLastTwoFrames && this.options.frameSkip > 1) return null;
    return this.machine.indexedScreen?.() ?? null;
  }

  /** RIOT RAM byte (for tests and tools). */
  readRam(index: number): number { return this.ram(index); }

  close(): void {}

  /** Holds the console's RESET switch for 4 frames, as the ALE's softReset. */
  private softReset(): void {
    for (let f = 0; f < 4; f++) {
      this.machine.frame(this.inputs(AleAction.NOOP, { reset: true }));
      this.tracker.step(this.ram);
    }
  }

  /** Emulates `frames` frames with `action` held; returns the reward the game's RAM shows. */
  private emulate(action: number, frames: number, observed = true): number {
    let reward = 0;
    for (let f = 0; f < frames; f++) {
      this.machine.frame(this.inputs(action), observed);
      reward += this.tracker.step(this.ram);
    }
    return reward;
  }

  private inputs(action: number, console: { reset?: boolean; select?: boolean } = {}): Inputs {
    const inputs = actionInputs(action, this.paddle);
    if (this.game.paddles) this.paddle = movePaddle(this.paddle, inputs);
    inputs.paddle = paddleValue(this.paddle);
    inputs.reset = console.reset ?? false;
    inputs.select = console.select ?? false;
    return inputs;
  }
}
