import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Action, Breakout, type BreakoutOptions } from '../../src/envs/breakout/breakout.js';
import * as G from '../../src/envs/breakout/geometry.js';
import { EpisodicLife } from '../../src/wrappers/atari.js';
import { makeEnv } from '../../src/index.js';
import { Rng } from '../../src/nn/rng.js';

const { NOOP, FIRE, RIGHT, LEFT } = Action;

/** A game reset with one frame per step, so that tests can follow the ball frame by frame. */
function fresh(seed = 1, options: Partial<BreakoutOptions> = {}): Breakout {
  const env = new Breakout(seed, { frameSkip: 1, ...options });
  env.reset({ seed });
  return env;
}

/** Leaves only the given bricks standing (row 0 = top). */
function keepBricks(env: Breakout, keep: [number, number][]): void {
  env.bricks.fill(0);
  for (const [row, col] of keep) env.bricks[row * G.BRICK_COLUMNS + col] = 1;
}

const brickLeft = (col: number): number => G.PLAY_LEFT + col * G.BRICK_WIDTH;
const brickBottom = (row: number): number => G.BRICK_TOP + (row + 1) * G.BRICK_HEIGHT;
const standing = (env: Breakout, row: number, col: number): boolean => env.bricks[row * G.BRICK_COLUMNS + col] === 1;

/** Moves of the ball over the next `frames` frames, [dx, dy] each. */
function moves(env: Breakout, frames: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < frames; i++) {
    const x = env.ballX, y = env.ballY;
    env.step(NOOP);
    out.push([env.ballX - x, env.ballY - y]);
  }
  return out;
}

/** Puts the ball 2 frames above the paddle so that it meets the paddle at `offset` px from its left edge. */
function dropOnPaddle(env: Breakout, offset: number, tier = 0): void {
  env.placeBall(env.paddleX + offset - 2, G.PADDLE_TOP - G.BALL_HEIGHT - 1, 1, 1, tier);
  env.step(NOOP); env.step(NOOP);
}

test('actions, lives and the minimal action set match the ALE', () => {
  const env = new Breakout();
  const { info } = env.reset({ seed: 0 });
  assert.deepEqual(env.actionSpace.names, ['NOOP', 'FIRE', 'RIGHT', 'LEFT']);
  assert.equal(info.lives, 5);
  assert.deepEqual(env.observationSpace.shape, [210, 160, 3]);
});

test('the ballSpeed and paddleSpeed calibrations are gone, with a clear error', () => {
  assert.throws(() => new Breakout(0, { ballSpeed: 1 } as Partial<BreakoutOptions>), /option 'ballSpeed' was removed/);
  assert.throws(() => new Breakout(0, { paddleSpeed: 3 } as Partial<BreakoutOptions>), /option 'paddleSpeed' was removed/);
  assert.throws(() => makeEnv('breakout', 0, 'train', { ballSpeed: 1 }), /breakout option 'ballSpeed' was removed/);
  assert.throws(() => makeEnv('BreakoutNoFrameskip-v4', 0, 'eval', { ballSpeed: 1 }), /was removed/);
});

test('FIRE serves from one of four points by the frame counter, at 45 degrees, 1 px a frame', () => {
  const expected: [number, number][] = [[16, 1], [78, -1], [80, 1], [142, -1]]; // x, direction, by frame number mod 4
  for (let frame = 1; frame <= 4; frame++) {
    const env = fresh();
    for (let i = 1; i < frame; i++) env.step(NOOP);
    assert.equal(env.ballInPlay, false, 'NOOP does not serve');
    env.step(FIRE);
    const [x, dx] = expected[frame & 3];
    assert.deepEqual([env.ballX, env.ballY], [x, G.SERVE_Y], `served on frame ${frame}`);
    assert.deepEqual(moves(env, 6), Array(6).fill([dx, 1]), `frame ${frame}: 45 degrees down`);
  }
});

test('the paddle moves as the ALE drives a paddle controller: lag, about 5.7 px a frame, range 8 to 144', () => {
  const env = fresh();
  assert.equal(env.paddleX, 99);
  const xs = [env.paddleX];
  for (let i = 0; i < 10; i++) xs.push((env.step(LEFT), env.paddleX));
  assert.equal(xs[1], 99, 'the game reads the paddle a frame late');
  const steps = xs.slice(4).map((x, i) => xs[i + 3] - x);
  assert.ok(steps.every((d) => d === 5 || d === 6), `steady steps ${steps}`);
  for (let i = 0; i < 200; i++) env.step(LEFT);
  // The game's halfway rounding leaves the paddle a pixel short of its left limit (docs/breakout.md).
  assert.equal(env.paddleX, G.PADDLE_MIN_X + 1);
  assert.equal(env.resistance, G.RESISTANCE_MAX);
  for (let i = 0; i < 200; i++) env.step(RIGHT);
  assert.equal(env.paddleX, 144, 'half inside the right wall');
  assert.equal(env.resistance, G.RESISTANCE_MIN);
});

test('a lost ball falls out of the picture; the lives digit changes 96 frames after the serve', () => {
  const env = fresh();
  env.step(FIRE); // frame 1: the ball at (78, 122) heads for the bottom left, far from the paddle
  let lostAt = 0;
  for (let frame = 2; frame < 200 && !lostAt; frame++) {
    const r = env.step(NOOP);
    if (r.info.lives === 4) lostAt = frame;
  }
  assert.equal(lostAt, 1 + (G.BALL_LOST_Y - G.SERVE_Y));
  assert.equal(env.ballInPlay, false);
  env.step(FIRE);
  assert.equal(env.ballInPlay, true, 'the next ball can be served at once');
});

test('the next ball is slow again and the paddle full width again', () => {
  const env = fresh();
  keepBricks(env, [[5, 17]]);
  env.placeBall(60, G.PLAY_TOP + 2, 1, -1, 4);
  env.step(NOOP);
  assert.equal(env.paddleWidth, G.PADDLE_WIDTH_SMALL, 'halved at the top wall');
  assert.equal(env.ballDY, 1);
  for (let i = 0; i < 400 && env.lives === 5; i++) env.step(env.ballX < 80 ? RIGHT : LEFT); // keep away from the ball
  assert.equal(env.lives, 4);
  assert.equal(env.paddleWidth, G.PADDLE_WIDTH, 'restored for the next ball');
  env.step(FIRE);
  assert.equal(env.speedTier, 0);
  assert.deepEqual(moves(env, 4).map(([dx, dy]) => [Math.abs(dx), dy]), Array(4).fill([1, 1]));
});

test('the halved paddle is 8 px: a ball that meets its right half falls through', () => {
  const full = fresh(), small = fresh();
  small.paddleWidth = G.PADDLE_WIDTH_SMALL;
  dropOnPaddle(full, 12);
  dropOnPaddle(small, 12);
  assert.equal(full.ballDY, -1, 'the full paddle returns it');
  assert.equal(small.ballDY, 1, 'the small one misses it');
  const smallHit = fresh();
  smallHit.paddleWidth = G.PADDLE_WIDTH_SMALL;
  dropOnPaddle(smallHit, 4);
  assert.equal(smallHit.ballDY, -1);
});

test('speed tiers: the paddle\'s fifths, 12 hits, and the fastest after a brick of the top three rows', () => {
  const tierAt = (offset: number): { tier: number; dx: number } => {
    const env = fresh();
    dropOnPaddle(env, offset);
    assert.equal(env.ballDY, -1, `bounced at offset ${offset}`);
    return { tier: env.speedTier, dx: env.ballDX };
  };
  assert.deepEqual([0, 4, 7, 10, 14].map(tierAt), [
    { tier: 1, dx: -1 }, { tier: 2, dx: -1 }, { tier: 2, dx: 1 }, { tier: 2, dx: 1 }, { tier: 1, dx: 1 },
  ], 'outer fifths flat, inner steep, the middle keeps the ball\'s side');
  const flat = fresh(); dropOnPaddle(flat, 0);
  const steep = fresh(); dropOnPaddle(steep, 4);
  const speeds = (env: Breakout) => moves(env, 4).map(([dx, dy]) => [Math.abs(dx), Math.abs(dy)]);
  assert.deepEqual(speeds(flat).sort(), [[1, 1], [1, 1], [2, 1], [2, 1]]);
  assert.deepEqual(speeds(steep).sort(), [[1, 1], [1, 1], [1, 2], [1, 2]]);

  const env = fresh();
  env.paddleHits = G.HITS_FOR_TIER_3 - 1;
  dropOnPaddle(env, 0);
  assert.equal(env.speedTier, 3, 'the 12th hit');
  assert.deepEqual(speeds(env), Array(4).fill([2, 2]));

  for (const row of [0, 1, 2, 3, 4, 5]) {
    const game = fresh();
    keepBricks(game, [[row, 5], [5, 17]]);
    game.placeBall(brickLeft(5) + 3, brickBottom(row) + 1, 1, -1, 2);
    game.step(NOOP); game.step(NOOP);
    assert.equal(standing(game, row, 5), false, `row ${row} broken`);
    assert.equal(game.speedTier, row < 3 ? 4 : 2, `row ${row}`);
  }
  const fastest = fresh();
  keepBricks(fastest, [[2, 5], [5, 17]]);
  fastest.placeBall(brickLeft(5) + 3, brickBottom(2) + 1, 1, -1, 0);
  fastest.step(NOOP); fastest.step(NOOP);
  assert.deepEqual(speeds(fastest), Array(4).fill([2, 3]), '3 px a frame vertically');
  fastest.placeBall(fastest.paddleX, G.PADDLE_TOP - G.BALL_HEIGHT - 3, 1, 1, 4);
  for (let i = 0; i < 3; i++) fastest.step(NOOP);
  assert.equal(fastest.ballDY, -1);
  assert.equal(fastest.speedTier, 4, 'the paddle does not slow the fastest ball');
});

test('bricks score 1, 1, 4, 4, 7, 7 from the bottom row up', () => {
  const scores = [];
  for (let row = 0; row < G.BRICK_ROWS; row++) {
    const env = fresh();
    keepBricks(env, [[row, 5], [5, 17]]);
    env.placeBall(brickLeft(5) + 3, brickBottom(row) + 1, 1, -1);
    let reward = 0;
    for (let i = 0; i < 3; i++) reward += env.step(NOOP).reward;
    scores.push(reward);
    assert.equal(standing(env, row, 5), false, 'the brick is gone');
    assert.equal(env.ballDY, 1, 'the ball bounced back down');
  }
  assert.deepEqual(scores, [7, 7, 4, 4, 1, 1]);
});

test('after a brick the ball passes through bricks until it touches a wall or the paddle', () => {
  const env = fresh();
  const fullRow = (row: number): [number, number][] => Array.from({ length: G.BRICK_COLUMNS }, (_, col) => [row, col]);
  keepBricks(env, [[5, 5], ...fullRow(4), ...fullRow(2)]);
  env.placeBall(brickLeft(5) + 3, brickBottom(5) + 1, 1, -1);
  env.step(NOOP); env.step(NOOP);
  assert.equal(standing(env, 5, 5), false);
  assert.equal(env.bricksHittable, false);
  env.placeBall(brickLeft(5) + 2, brickBottom(4) + 1, 1, -1); // up again, into the rows above, not yet hittable
  let reward = 0;
  for (let i = 0; i < 100 && env.ballDY < 0; i++) reward += env.step(NOOP).reward;
  assert.equal(reward, 0, 'nothing broken on the way up');
  assert.equal(env.bricksLeft(), 2 * G.BRICK_COLUMNS, 'the bricks the ball passed are still there');
  assert.equal(env.bricksHittable, true, 'the top wall made bricks hittable again');
  for (let i = 0; i < 60 && reward === 0; i++) reward += env.step(NOOP).reward;
  assert.equal(reward, 4, 'coming back down it breaks one brick of row 2');
  assert.equal(env.bricksLeft(), 2 * G.BRICK_COLUMNS - 1);
  const side = fresh();
  keepBricks(side, [[5, 17]]);
  side.bricksHittable = false;
  side.placeBall(G.PLAY_LEFT, 150, -1, 1);
  side.step(NOOP);
  assert.equal(side.bricksHittable, true, 'a side wall below the bricks counts');
});

test('the second wall comes in on the paddle hit after the first is cleared; the episode goes on', () => {
  const env = fresh();
  env.bricks.fill(0);
  dropOnPaddle(env, 7);
  assert.equal(env.wall, 1);
  assert.equal(env.bricksLeft(), 108);
  env.bricks.fill(0);
  const r = env.step(NOOP);
  dropOnPaddle(env, 7);
  assert.equal(env.bricksLeft(), 0, 'no third wall');
  assert.equal(r.terminated, false, 'only lost lives end the game (the ALE\'s terminal)');
});

test('the fifth lost ball ends the episode; episodic life flags the other four', () => {
  const env = new EpisodicLife(new Breakout(3, { frameSkip: 4 }));
  env.reset({ seed: 3 });
  const game = env.env as Breakout;
  let lifeLostSteps = 0, result;
  for (let step = 0; step < 5000; step++) {
    result = env.step(!game.ballInPlay ? FIRE : game.ballX < 80 ? RIGHT : LEFT); // always away from the ball
    if (result.info.lifeLost) lifeLostSteps++;
    if (result.terminated) break;
  }
  assert.ok(result!.terminated, 'five missed balls end the episode');
  assert.equal(result!.info.lives, 0);
  assert.equal(lifeLostSteps, 4, 'the last life ends the episode instead of being flagged');
  assert.throws(() => env.step(NOOP), /after the episode ended/);
});

test('episodes are truncated after maxEpisodeFrames (108,000 by default)', () => {
  assert.equal(new Breakout().options.maxEpisodeFrames, 108_000);
  const env = new Breakout(0, { maxEpisodeFrames: 40 });
  env.reset({ seed: 0 });
  let r;
  for (let i = 0; i < 10; i++) r = env.step(NOOP);
  assert.equal(r!.truncated, true);
  assert.equal(r!.terminated, false);
  assert.equal(r!.info.frame, 40);
});

test('the same seed and actions give the same frames and rewards; sticky actions change play', () => {
  const play = (seed: number, sticky: number) => {
    const env = new Breakout(seed, { repeatActionProbability: sticky });
    env.reset({ seed });
    const trace: number[] = [];
    let checksum = 0;
    for (let i = 0; i < 400; i++) {
      const r = env.step([FIRE, RIGHT, LEFT, RIGHT, NOOP][(i * 7) % 5]);
      trace.push(r.reward, env.paddleX, r.info.lives!);
      for (let p = 0; p < r.observation.length; p += 97) checksum = (checksum * 31 + r.observation[p]) >>> 0;
      if (r.terminated) break;
    }
    return { trace, checksum };
  };
  assert.deepEqual(play(5, 0), play(5, 0));
  assert.deepEqual(play(5, 0.25), play(5, 0.25));
  assert.notDeepEqual(play(5, 0.25).trace, play(5, 0).trace);
});

test('a random policy scores about what the published random score says (1.7, Nature DQN)', () => {
  // Uniform actions at frame skip 4 over 100 full episodes; the real game's serve always lands
  // in the bottom left corner at this frame skip, so few balls are returned.
  const env = new Breakout(0, { frameSkip: 4 });
  const rng = new Rng(123);
  let score = 0, steps = 0;
  const episodes = 100;
  for (let e = 0; e < episodes; e++) {
    env.reset({ seed: e });
    let r;
    do { r = env.step(rng.int(0, 3)); score += r.reward; steps++; } while (!r.terminated && !r.truncated);
  }
  const meanScore = score / episodes, meanSteps = steps / episodes;
  assert.ok(meanScore >= 0.5 && meanScore <= 3.4, `mean score ${meanScore}`);
  assert.ok(meanSteps >= 100 && meanSteps <= 300, `mean episode length ${meanSteps} steps`);
});
