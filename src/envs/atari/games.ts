/**
 * Per-game settings as the Arcade Learning Environment defines them (src/ale/games/supported/*.cpp
 * and the Stella properties in src/ale/emucore/DefProps.hxx of Farama-Foundation/Arcade-Learning-
 * Environment): the ROM's MD5, controller, minimal action set, starting actions, game mode
 * selection, and how reward, lives and the end of the game are read from RAM.
 */

/** The ALE's 18 joystick actions, with its numbering. */
export const AleAction = {
  NOOP: 0, FIRE: 1, UP: 2, RIGHT: 3, LEFT: 4, DOWN: 5, UPRIGHT: 6, UPLEFT: 7, DOWNRIGHT: 8, DOWNLEFT: 9,
  UPFIRE: 10, RIGHTFIRE: 11, LEFTFIRE: 12, DOWNFIRE: 13, UPRIGHTFIRE: 14, UPLEFTFIRE: 15, DOWNRIGHTFIRE: 16, DOWNLEFTFIRE: 17,
} as const;
export const ACTION_NAMES = Object.keys(AleAction);

/** Reads RIOT RAM as the ALE's readRam (index 0-127 = address $80 + index). */
export type Ram = (index: number) => number;

/** The game-specific state the ALE keeps between frames. */
export interface GameTracker {
  /** Called after every emulated frame; returns that frame's reward. */
  step(ram: Ram): number;
  readonly terminal: boolean;
  readonly lives: number;
}

export interface GameSettings {
  id: string;
  title: string;
  md5: string;
  /** Stella's controller property: these games read paddles, not the joystick. */
  paddles: boolean;
  minimalActions: number[];
  startingActions: number[];
  /** Default game mode and how the ALE selects it: press SELECT (for `selectFrames`) until RAM[ramIndex] reads `value`. */
  mode?: { ramIndex: number; value: number; selectFrames: number };
  tracker(): GameTracker;
  /** What a test without the commercial ROM cannot check about this game. */
  unverified?: string;
}

/** Two BCD digits of a RAM byte. */
function bcd(value: number): number {
  return 10 * (value >> 4) + (value & 15);
}

/** The ALE's getDecimalScore with two or three BCD bytes, lowest first. */
function decimalScore(ram: Ram, low: number, middle: number, high?: number): number {
  let score = bcd(ram(low)) + 100 * bcd(ram(middle));
  if (high !== undefined) score += 10_000 * bcd(ram(high));
  return score;
}

const A = AleAction;

const breakout: GameSettings = {
  id: 'breakout', title: 'Breakout', md5: 'f34f08e5eb96e500e851a80be3277a56', paddles: true,
  minimalActions: [A.NOOP, A.FIRE, A.RIGHT, A.LEFT], startingActions: [],
  mode: { ramIndex: 0xb2, value: 0, selectFrames: 1 },
  tracker() {
    let score = 0, started = false, terminal = false, lives = 5;
    return {
      step(ram) {
        const x = ram(77), y = ram(76);
        const now = (x & 0x0f) + 10 * ((x & 0xf0) >> 4) + 100 * (y & 0x0f);
        const reward = now - score;
        score = now;
        const value = ram(57);
        if (!started && value === 5) started = true;
        terminal = started && value === 0;
        lives = value;
        return reward;
      },
      get terminal() { return terminal; },
      get lives() { return lives; },
    };
  },
};

const pong: GameSettings = {
  id: 'pong', title: 'Pong (Video Olympics)', md5: '60e0ea3cbe0913d39803477945e9e5ec', paddles: true,
  minimalActions: [A.NOOP, A.FIRE, A.RIGHT, A.LEFT, A.RIGHTFIRE, A.LEFTFIRE], startingActions: [],
  mode: { ramIndex: 0x96, value: 0, selectFrames: 2 },
  tracker() {
    let score = 0, terminal = false;
    return {
      step(ram) {
        const cpu = ram(13), player = ram(14);
        const now = player - cpu;
        const reward = now - score;
        score = now;
        terminal = cpu === 21 || player === 21;
        return reward;
      },
      get terminal() { return terminal; },
      get lives() { return 0; },
    };
  },
};

const spaceInvaders: GameSettings = {
  id: 'space_invaders', title: 'Space Invaders', md5: '72ffbef6504b75e69ee1045af9075f66', paddles: false,
  minimalActions: [A.NOOP, A.FIRE, A.RIGHT, A.LEFT, A.RIGHTFIRE, A.LEFTFIRE], startingActions: [],
  mode: { ramIndex: 0xdc, value: 0, selectFrames: 2 },
  tracker() {
    let score = 0, terminal = false, lives = 3;
    return {
      step(ram) {
        const now = decimalScore(ram, 0xe8, 0xe6);
        let reward = now - score;
        if (reward < 0) reward = 10_000 - score + now; // the 4-digit score wraps at 10,000
        score = now;
        lives = ram(0xc9);
        terminal = (ram(0x98) & 0x80) !== 0 || lives === 0;
        return reward;
      },
      get terminal() { return terminal; },
      get lives() { return terminal ? 0 : lives; },
    };
  },
};

const seaquest: GameSettings = {
  id: 'seaquest', title: 'Seaquest', md5: '240bfbac5163af4df5ae713985386f92', paddles: false,
  minimalActions: Array.from({ length: 18 }, (_, i) => i), startingActions: [],
  tracker() {
    let score = 0, terminal = false, lives = 4;
    return {
      step(ram) {
        const now = decimalScore(ram, 0xba, 0xb9, 0xb8);
        const reward = now - score;
        score = now;
        terminal = ram(0xa3) !== 0;
        lives = ram(0xbb) + 1;
        return reward;
      },
      get terminal() { return terminal; },
      get lives() { return terminal ? 0 : lives; },
    };
  },
  unverified: 'RAM layout from the ALE source, not checked against the ROM',
};

const beamRider: GameSettings = {
  id: 'beam_rider', title: 'Beam Rider', md5: '79ab4123a83dc11d468fb2108ea09e2e', paddles: false,
  minimalActions: [A.NOOP, A.FIRE, A.UP, A.RIGHT, A.LEFT, A.UPRIGHT, A.UPLEFT, A.RIGHTFIRE, A.LEFTFIRE], startingActions: [A.RIGHT],
  tracker() {
    let score = 0, terminal = false, lives = 3;
    return {
      step(ram) {
        const now = decimalScore(ram, 9, 10, 11);
        const reward = now - score;
        score = now;
        const next = ram(0x85) + 1;
        // A life counts as lost only once the game shows it (RAM[0x8C] == 1), as the ALE does.
        if (next !== lives - 1 || ram(0x8c) === 0x01) lives = next;
        terminal = ram(5) === 255;
        return reward;
      },
      get terminal() { return terminal; },
      get lives() { return terminal ? 0 : lives; },
    };
  },
  unverified: 'RAM layout from the ALE source, not checked against the ROM',
};

const qbert: GameSettings = {
  id: 'qbert', title: 'Q*bert', md5: '484b0076816a104875e00467d431c2d2', paddles: false,
  minimalActions: [A.NOOP, A.FIRE, A.UP, A.RIGHT, A.LEFT, A.DOWN], startingActions: [],
  tracker() {
    let score = 0, terminal = false, lives = 4, lastLives = 2;
    return {
      step(ram) {
        const value = ram(0x88);
        terminal = value === 0xfe || (value === 0x02 && lastLives === -1);
        const signed = value > 127 ? value - 256 : value;
        if (lastLives - 1 === signed) lives--;
        lastLives = signed;
        if (terminal) return 0;
        const now = decimalScore(ram, 0xdb, 0xda, 0xd9);
        const reward = now - score;
        score = now;
        return reward;
      },
      get terminal() { return terminal; },
      get lives() { return terminal ? 0 : lives; },
    };
  },
  unverified: 'RAM layout from the ALE source, not checked against the ROM; the ROM\'s own display properties (Stella lists a different picture start) are not applied',
};

const enduro: GameSettings = {
  id: 'enduro', title: 'Enduro', md5: '94b92a882f6dbaa6993a46e2dcc58402', paddles: false,
  minimalActions: [A.NOOP, A.FIRE, A.RIGHT, A.LEFT, A.DOWN, A.DOWNRIGHT, A.DOWNLEFT, A.RIGHTFIRE, A.LEFTFIRE], startingActions: [A.FIRE],
  tracker() {
    let score = 0, terminal = false;
    return {
      step(ram) {
        let now = 0;
        const level = ram(0xad);
        if (level !== 0) {
          let passed = decimalScore(ram, 0xab, 0xac);
          passed = (level === 1 ? 200 : 300) - passed;
          if (level >= 2) now = 200 + (level - 2) * 300;
          now += passed;
        }
        const reward = now - score;
        score = now;
        terminal = ram(0xaf) === 0xff;
        return reward;
      },
      get terminal() { return terminal; },
      get lives() { return 0; },
    };
  },
  unverified: 'RAM layout from the ALE source, not checked against the ROM',
};

export const GAMES: GameSettings[] = [breakout, pong, spaceInvaders, seaquest, beamRider, qbert, enduro];

export function gameById(id: string): GameSettings | undefined {
  return GAMES.find((g) => g.id === id);
}

export function gameByMd5(md5: string): GameSettings | undefined {
  return GAMES.find((g) => g.md5 === md5);
}
