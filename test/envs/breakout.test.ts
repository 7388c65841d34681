import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Action, Breakout } from '../../src/envs/breakout/breakout.js';
import * as G from '../../src/envs/breakout/geometry.js';
import { EpisodicLife } from '../../src/wrappers/atari.js';

const { NOOP, FIRE, RIGHT, LEFT } = Action;

function fresh(seed = 1, options = {}): Breakout {
  const env = new Breakout(seed, { frameSkip: 1, ...options });
  env.reset({ seed });
  return env;
}

/** Leaves only the given bricks standing (row 0 = top). */
function keepBricks(env: Breakout, keep: [number, number][]): void {
  env.bricks.fill(0);
  for (const [row, col] of keep) env.bricks[row * G.BRICK_COLUMNS + col] = 1;
}

function brickLeft(col: number): number { return G.PLAY_LEFT + col * G.BRICK_WIDTH; }
function brickBottom(row: number): number { return G.BRICK_TOP + (row + 1) * G.BRICK_HEIGHT; }

test('actions, lives and the minimal action set match the ALE', () => {
  const env = new Breakout();
  const { info } = env.reset({ seed: 0 });
  assert.deepEqual(env.actionSpace.names, ['NOOP', 'FIRE', 'RIGHT', 'LEFT']);
  assert.equal(info.lives, 5);
  assert.deepEqual(env.observationSpace.shape, [210, 160, 3]);
});

test('bricks score 1, 1, 4, 4, 7, 7 from the bottom row up', () => {
  const scores = [];
  for (let row = 0; row < G.BRICK_ROWS; row++) {
    const env = fresh();
    keepBricks(env, [[row, 5], [5, 17]]);
    env.placeBall(brickLeft(5) + 3, brickBottom(row) + 0.5, 0, -1);
    let reward = 0;
    for (let i = 0; i < 3; i++) reward += env.step(NOOP).reward;
    scores.push(reward);
    assert.equal(env.bricks[row * G.BRICK_COLUMNS + 5], 0, 'the brick is gone');
    assert.ok(env.ballVY > 0, 'the ball bounced back down');
  }
  assert.deepEqual(scores, [7, 7, 4, 4, 1, 1]);
});

test('FIRE serves a ball; NOOP, LEFT and RIGHT do not', () => {
  const env = fresh();
  for (const a of [NOOP, LEFT, RIGHT, NOOP]) {
    env.step(a);
    assert.equal(env.ballInPlay, false);
  }
  env.step(FIRE);
  assert.equal(env.ballInPlay, true);
  assert.ok(env.ballVY > 0, 'a served ball heads down towards the paddle');
});

test('the paddle stops at the walls', () => {
  const env = fresh();
  for (let i = 0; i < 200; i++) env.step(LEFT);
  assert.equal(env.paddleX, G.PLAY_LEFT);
  for (let i = 0; i < 200; i++) env.step(RIGHT);
  assert.equal(env.paddleX, G.PLAY_RIGHT - env.paddleWidth);
});

test('a missed ball costs a life, episodic life flags it, and the fifth ends the episode', () => {
  const env = new EpisodicLife(new Breakout(3, { frameSkip: 4 }));
  env.reset({ seed: 3 });
  const game = env.env as Breakout;
  let lifeLostSteps = 0, result;
  for (let step = 0; step < 5000; step++) {
    if (!game.ballInPlay) { result = env.step(FIRE); }
    else {
      game.paddleX = game.ballX < 80 ? G.PLAY_RIGHT - game.paddleWidth : G.PLAY_LEFT; // always miss
      result = env.step(NOOP);
    }
    if (result.info.lifeLost) lifeLostSteps++;
    if (result.terminated) break;
  }
  assert.ok(result!.terminated, 'five missed balls end the episode');
  assert.equal(result!.info.lives, 0);
  assert.equal(lifeLostSteps, 4, 'the last life ends the episode instead of being flagged');
  assert.throws(() => env.step(NOOP), /after the episode ended/);
});

test('the ball angle depends on where it meets the paddle', () => {
  const slopes = [];
  for (const offset of [0, 4, 8, 11, 15]) {
    const env = fresh();
    env.placeBall(env.paddleX + offset - 1, G.PADDLE_TOP - G.BALL_HEIGHT - 1, 0.1, 1.5);
    env.step(NOOP);
    assert.ok(env.ballVY < 0, `offset ${offset} bounced`);
    slopes.push(env.ballVX / Math.abs(env.ballVY));
  }
  assert.ok(slopes[0] < slopes[1] && slopes[1] < slopes[3] && slopes[3] < slopes[4], `slopes ${slopes}`);
  assert.ok(Math.abs(slopes[0]) > Math.abs(slopes[2]) && Math.abs(slopes[4]) > Math.abs(slopes[2]));
});

test('the ball speeds up after 4 and 12 paddle hits and on first contact with orange and red', () => {
  const env = fresh();
  const hit = () => {
    env.placeBall(env.paddleX + 7, G.PADDLE_TOP - G.BALL_HEIGHT - 1, 0.5, 1.5);
    env.step(NOOP);
  };
  for (let i = 0; i < 3; i++) hit();
  assert.equal(env.speedLevel, 0);
  hit();
  assert.equal(env.speedLevel, 1, 'after 4 hits');
  for (let i = 0; i < 7; i++) hit();
  assert.equal(env.speedLevel, 1);
  hit();
  assert.equal(env.speedLevel, 2, 'after 12 hits');
  const before = Math.abs(env.ballVY);
  keepBricks(env, [[G.ORANGE_ROW, 3], [G.ORANGE_ROW, 9], [G.RED_ROW, 12], [5, 17]]);
  env.placeBall(brickLeft(3) + 3, brickBottom(G.ORANGE_ROW) + 0.5, 0, -before);
  env.step(NOOP);
  assert.equal(env.speedLevel, 3, 'first orange brick');
  assert.ok(Math.abs(env.ballVY) > before);
  env.placeBall(brickLeft(9) + 3, brickBottom(G.ORANGE_ROW) + 0.5, 0, -1);
  env.step(NOOP);
  assert.equal(env.speedLevel, 3, 'only the first orange contact counts');
  env.placeBall(brickLeft(12) + 3, brickBottom(G.RED_ROW) + 0.5, 0, -1);
  env.step(NOOP);
  assert.equal(env.speedLevel, 4, 'first red brick');
});

test('the paddle halves once the ball first reaches the top wall', () => {
  const env = fresh();
  assert.equal(env.paddleWidth, 16);
  keepBricks(env, [[5, 17]]);
  env.placeBall(60, G.PLAY_TOP + 1, 0, -2);
  env.step(NOOP);
  assert.equal(env.paddleWidth, 8);
  assert.ok(env.ballVY > 0);
});

test('clearing the first wall brings a second; clearing both (864 points) ends the episode', () => {
  const env = fresh();
  assert.equal(G.BRICK_COLUMNS * 2 * (1 + 4 + 7), 432);
  keepBricks(env, [[5, 4]]);
  env.placeBall(brickLeft(4) + 3, brickBottom(5) + 0.5, 0, -1);
  let r = env.step(NOOP);
  assert.equal(r.reward, 1);
  assert.equal(env.wall, 1);
  assert.equal(env.bricksLeft(), 108, 'a fresh wall');
  assert.equal(r.terminated, false);
  keepBricks(env, [[5, 4]]);
  env.placeBall(brickLeft(4) + 3, brickBottom(5) + 0.5, 0, -1);
  r = env.step(NOOP);
  assert.equal(r.terminated, true);
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

test('the frame looks like Breakout: gray walls, coloured rows, paddle', () => {
  const env = new Breakout();
  const { observation: f } = env.reset({ seed: 0 });
  const pixel = (x: number, y: number) => [f[(y * 160 + x) * 3], f[(y * 160 + x) * 3 + 1], f[(y * 160 + x) * 3 + 2]];
  assert.deepEqual(pixel(80, 20), [142, 142, 142], 'top wall');
  assert.deepEqual(pixel(3, 100), [142, 142, 142], 'left wall');
  assert.deepEqual(pixel(156, 100), [142, 142, 142], 'right wall');
  G.ROW_COLORS.forEach((color, row) => assert.deepEqual(pixel(50, G.BRICK_TOP + row * 6 + 2), [...color], `row ${row}`));
  assert.deepEqual(pixel(env.paddleX + 8, G.PADDLE_TOP + 1), [200, 72, 72], 'paddle');
  assert.deepEqual(pixel(80, 150), [0, 0, 0], 'background');
});
