/**
 * Screen geometry, colours and timings of Atari 2600 Breakout as the Arcade Learning Environment
 * shows it (210 x 160 RGB), read from real ALE frames (docs/breakout.md names the sources).
 */
export const SCREEN_WIDTH = 160;
export const SCREEN_HEIGHT = 210;

export const WALL_COLOR = [142, 142, 142] as const;
/** The bottom segments of the side walls (y 189 on): teal on the left, red on the right. */
export const LEFT_SEGMENT_COLOR = [66, 158, 130] as const;
export const RIGHT_SEGMENT_COLOR = [200, 72, 72] as const;
export const TOP_WALL_TOP = 17;
export const PLAY_TOP = 32; // first row under the top wall
export const PLAY_LEFT = 8; // first column right of the left wall
export const PLAY_RIGHT = 152; // first column of the right wall
export const GRAY_WALL_BOTTOM = 189; // the gray side walls end here; the coloured segments start
export const LEFT_SEGMENT_BOTTOM = 196; // teal: y 189-195
export const RIGHT_SEGMENT_BOTTOM = 195; // red: y 189-194
/** Nothing of the ball is drawn from this row down (the game's picture ends). */
export const PICTURE_BOTTOM = 196;

export const BRICK_TOP = 57;
export const BRICK_HEIGHT = 6;
export const BRICK_WIDTH = 8;
export const BRICK_ROWS = 6;
export const BRICK_COLUMNS = 18;
export const BRICK_BOTTOM = BRICK_TOP + BRICK_ROWS * BRICK_HEIGHT;
/** Top row first: red, orange, amber, yellow, green, blue. */
export const ROW_COLORS: readonly (readonly [number, number, number])[] = [
  [200, 72, 72], [198, 108, 58], [180, 122, 48], [162, 162, 42], [72, 160, 72], [66, 72, 200],
];
/** Points per brick, top row first (1, 1, 4, 4, 7, 7 from the bottom up). */
export const ROW_POINTS = [7, 7, 4, 4, 1, 1] as const;
/** A brick in rows 0 to FAST_ROWS - 1 (red, orange, amber) sends the ball to the fastest speed. */
export const FAST_ROWS = 3;

export const PADDLE_TOP = 189;
export const PADDLE_HEIGHT = 4;
export const PADDLE_WIDTH = 16;
export const PADDLE_WIDTH_SMALL = 8;
export const PADDLE_MIN_X = 8;
export const PADDLE_MAX_X = 144; // half inside the right wall, as the real game allows
export const PADDLE_COLOR = [200, 72, 72] as const;

export const BALL_WIDTH = 2;
export const BALL_HEIGHT = 4;
export const BALL_COLOR = [200, 72, 72] as const;
/** Serve: the ball appears at y = SERVE_Y and one of four x positions, chosen by the frame counter. */
export const SERVE_Y = 122;
export const SERVE_X = [16, 78, 80, 142] as const;
/** Horizontal direction of each serve position (towards the middle of the screen for the outer ones). */
export const SERVE_DIRECTION_X = [1, -1, 1, -1] as const;
/** The ball counts as lost (lives digit changes) once its top reaches this row, well below the picture. */
export const BALL_LOST_Y = 218;

/**
 * Speed tiers: [|dx|, |dy|] on even frames, then on odd frames. Tier 0 is the serve (45 degrees,
 * 1 px a frame); 1 and 2 are the flat and steep bounces off the paddle's outer and inner fifths;
 * 3 follows 12 paddle hits; 4 (3 px a frame vertically) follows a brick in the top three rows.
 */
export const SPEED_TIERS: readonly (readonly [number, number, number, number])[] = [
  [1, 1, 1, 1], [2, 1, 1, 1], [1, 2, 1, 1], [2, 2, 2, 2], [2, 3, 2, 3],
];
export const FASTEST_TIER = 4;
export const HITS_FOR_TIER_3 = 12;

/** ALE paddle controller: resistance moved by PADDLE_DELTA a frame within [MIN, MAX], centred at reset. */
export const RESISTANCE_DELTA = 23_000;
export const RESISTANCE_MIN = 27_450;
export const RESISTANCE_MAX = 790_196;
export const RESISTANCE_CENTRE = Math.floor((RESISTANCE_MAX - RESISTANCE_MIN) / 2) + RESISTANCE_MIN;
/** Where the game puts the paddle for a resistance: x = PADDLE_X_AT_ZERO - R * PIXELS_PER_RESISTANCE. */
export const PADDLE_X_AT_ZERO = 200;
export const PIXELS_PER_RESISTANCE = 5.7 / RESISTANCE_DELTA;

export const SCORE_TOP = 5;
/** Left edges of the three score digits, the lives digit and the player-number digit (12 px cells). */
export const SCORE_X = [36, 52, 68] as const;
export const LIVES_X = 100;
export const PLAYER_X = 132;

/**
 * 3x5 digit glyphs, one 15-bit string per digit, drawn with 4 x 2 pixel cells (12 x 10). 0, 1, 4
 * and 5 are read from ALE frames; the others follow the same blocky font (unverified).
 */
export const DIGITS = [
  '111101101101111', '010010010010010', '111001111100111', '111001111001111', '101101111001001',
  '111100111001111', '111100111101111', '111001001001001', '111101111101111', '111101111001111',
];
