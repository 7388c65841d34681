/**
 * Screen geometry and colours of Atari 2600 Breakout as the Arcade Learning Environment shows it
 * (210 x 160 RGB): gray walls and score bar, six rows of 18 bricks, the paddle and ball.
 */
export const SCREEN_WIDTH = 160;
export const SCREEN_HEIGHT = 210;

export const WALL_COLOR = [142, 142, 142] as const;
export const TOP_WALL_TOP = 17;
export const PLAY_TOP = 32; // first row under the top wall
export const PLAY_LEFT = 8; // first column right of the left wall
export const PLAY_RIGHT = 152; // first column of the right wall
export const WALL_BOTTOM = 196; // the side walls end here

export const BRICK_TOP = 57;
export const BRICK_HEIGHT = 6;
export const BRICK_WIDTH = 8;
export const BRICK_ROWS = 6;
export const BRICK_COLUMNS = 18;
/** Top row first: red, orange, amber, yellow, green, blue. */
export const ROW_COLORS: readonly (readonly [number, number, number])[] = [
  [200, 72, 72], [198, 108, 58], [180, 122, 48], [162, 162, 42], [72, 160, 72], [66, 72, 200],
];
/** Points per brick, top row first (1, 1, 4, 4, 7, 7 from the bottom up). */
export const ROW_POINTS = [7, 7, 4, 4, 1, 1] as const;
export const ORANGE_ROW = 1;
export const RED_ROW = 0;

export const PADDLE_TOP = 189;
export const PADDLE_HEIGHT = 4;
export const PADDLE_WIDTH = 16;
export const PADDLE_WIDTH_SMALL = 8;
export const PADDLE_COLOR = [200, 72, 72] as const;

export const BALL_WIDTH = 2;
export const BALL_HEIGHT = 4;
export const BALL_COLOR = [200, 72, 72] as const;

export const SCORE_TOP = 5;

/** 3x5 digit glyphs, one string of 15 bits per digit, drawn at 2x horizontally and vertically. */
export const DIGITS = [
  '111101101101111', '010110010010111', '111001111100111', '111001111001111', '101101111001001',
  '111100111001111', '111100111101111', '111001001001001', '111101111101111', '111101111001111',
];
