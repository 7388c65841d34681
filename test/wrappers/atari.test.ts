import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Action, Breakout } from '../../src/envs/breakout/breakout.js';
import { GrayResize } from '../../src/wrappers/grayResize.js';
import { FrameStack } from '../../src/wrappers/frameStack.js';
import { ActionSubset, ClipReward, EpisodicLife, RandomStartSteps } from '../../src/wrappers/atari.js';
import { makeEnv } from '../../src/index.js';
import { buildTrainConfig, trainFlagsSchema } from '../../src/cli/trainCommand.js';
import { train } from '../../src/presetEngine.js';

test('GrayResize: 84x84 uint8 with skimage luma, area-averaged', () => {
  const env = new GrayResize(new Breakout(0), 84);
  assert.deepEqual(env.observationSpace.shape, [84, 84]);
  const rgb = new Uint8Array(210 * 160 * 3);
  const paint = (r: number, g: number, b: number) => { for (let i = 0; i < rgb.length; i += 3) { rgb[i] = r; rgb[i + 1] = g; rgb[i + 2] = b; } };
  paint(142, 142, 142);
  assert.ok(env.transform(rgb).every((v) => v === 141 || v === 142), 'uniform gray stays ~142');
  paint(200, 72, 72);
  const expected = Math.floor(0.2125 * 200 + 0.7154 * 72 + 0.0721 * 72);
  assert.ok(env.transform(rgb).every((v) => Math.abs(v - expected) <= 1), `red -> ${expected}`);
  // left half white, right half black: 80 of 160 columns -> output columns 0..41 white, 42.. black
  rgb.fill(0);
  for (let y = 0; y < 210; y++) for (let x = 0; x < 80; x++) rgb.fill(255, (y * 160 + x) * 3, (y * 160 + x) * 3 + 3);
  const out = env.transform(rgb);
  assert.ok(out[10 * 84 + 0] >= 254 && out[10 * 84 + 40] >= 254, 'left is white');
  assert.equal(out[10 * 84 + 43], 0, 'right is black');
  assert.ok(out[10 * 84 + 41] > 0 && out[10 * 84 + 42] < 255, 'the boundary column is blended');
});

test('FrameStack: NHWC [84,84,4] in [0,1], newest frame in channel 0, refilled after a lost life', () => {
  const base = new EpisodicLife(new Breakout(2));
  const gray = new GrayResize(base);
  const stack = new FrameStack(gray, { depth: 4, refillOnLifeLoss: true });
  assert.deepEqual(stack.observationSpace.shape, [84, 84, 4]);
  let obs = stack.reset({ seed: 2 }).observation;
  const channel = (o: Float32Array, k: number) => Array.from({ length: 84 * 84 }, (_, p) => o[p * 4 + k]);
  assert.deepEqual(channel(obs, 0), channel(obs, 3), 'after reset all four frames are the first frame');
  const frames: number[][] = [];
  for (let i = 0; i < 6; i++) {
    obs = stack.step(i === 0 ? Action.FIRE : Action.RIGHT).observation;
    frames.push(Array.from(gray.transform((base.env as Breakout).render().rgb)).map((v) => v / 255));
  }
  for (let k = 0; k < 4; k++) {
    const expected = frames[frames.length - 1 - k];
    const got = channel(obs, k);
    for (let p = 0; p < got.length; p += 37) assert.ok(Math.abs(got[p] - expected[p]) < 1e-6, `channel ${k} is frame t-${k}`);
  }
  assert.ok(obs.every((v) => v >= 0 && v <= 1));
  const game = base.env as Breakout;
  let r;
  do {
    game.paddleX = game.ballX < 80 ? 136 : 8;
    r = stack.step(game.ballInPlay ? Action.NOOP : Action.FIRE);
  } while (!r.info.lifeLost);
  assert.deepEqual(channel(r.observation, 1), channel(r.observation, 0), 'refilled with the new frame');
  assert.deepEqual(channel(r.observation, 3), channel(r.observation, 0));
});

test('RandomStartSteps takes 1 to 30 steps of its action, deterministically per seed', () => {
  const counts = new Set<number>();
  const env = new RandomStartSteps(new Breakout(0), Action.FIRE, 30, 9);
  for (let i = 0; i < 200; i++) {
    env.reset(i === 0 ? { seed: 9 } : {});
    counts.add(env.lastStartSteps);
    assert.equal((env.env as Breakout).frameNumber, env.lastStartSteps * 4);
    assert.ok((env.env as Breakout).ballInPlay || (env.env as Breakout).lives < 5, 'FIRE served the ball');
  }
  assert.ok(Math.min(...counts) >= 1 && Math.max(...counts) <= 30);
  assert.ok(counts.size >= 25, `covers the range: ${counts.size} distinct counts`);
  const a = new RandomStartSteps(new Breakout(0), Action.NOOP, 30, 4), b = new RandomStartSteps(new Breakout(0), Action.NOOP, 30, 4);
  const seq = (w: RandomStartSteps<Uint8Array>) => Array.from({ length: 10 }, (_, i) => (w.reset(i === 0 ? { seed: 4 } : {}), w.lastStartSteps));
  assert.deepEqual(seq(a), seq(b));
});

test('ClipReward clips to [-1, 1] and keeps the raw score; ActionSubset maps agent actions', () => {
  const game = new Breakout(0, { frameSkip: 1 });
  const env = new ActionSubset(new ClipReward(game, 1), [Action.FIRE, Action.RIGHT, Action.LEFT]);
  env.reset({ seed: 0 });
  assert.deepEqual(env.actionSpace.names, ['FIRE', 'RIGHT', 'LEFT']);
  game.bricks.fill(0);
  game.bricks[0 * 18 + 5] = 1; game.bricks[5 * 18 + 17] = 1; // a red (7-point) brick
  game.placeBall(8 + 5 * 8 + 3, 57 + 6 + 0.5, 0, -1);
  const r = env.step(1); // RIGHT
  assert.equal(r.reward, 1);
  assert.equal(r.info.rawReward, 7);
  assert.ok(game.paddleX > 72, 'agent action 1 moved the paddle right');
  assert.throws(() => env.step(3), /outside the action space \[0, 3\)/);
});

test('the breakout preset chains the reference recipe: [84,84,4] states, FIRE/RIGHT/LEFT', () => {
  const env = makeEnv('breakout', 3, 'train');
  const { observation } = env.reset({ seed: 3 });
  assert.deepEqual(env.observationSpace.shape, [84, 84, 4]);
  assert.equal(observation.length, 84 * 84 * 4);
  assert.deepEqual(env.actionSpace.names, ['FIRE', 'RIGHT', 'LEFT']);
  let total = 0, raw = 0;
  for (let i = 0; i < 300; i++) {
    const r = env.step(i % 3);
    total += r.reward; raw += r.info.rawReward ?? r.reward;
    assert.ok(r.reward >= -1 && r.reward <= 1);
    if (r.terminated || r.truncated) break;
  }
  assert.ok(raw >= total);
});

test('smoke: two workers train Breakout for a few hundred steps and write their outputs', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'a3c-breakout-')), 'run');
  const config = buildTrainConfig('breakout', trainFlagsSchema.parse({ workers: 2, seed: 1, steps: 400 }));
  const summary = await train(config, dir);
  assert.ok(summary.globalSteps >= 400);
  assert.equal(summary.skippedUpdates, 0);
  for (const f of ['config.json', 'metrics.jsonl', 'model.safetensors']) assert.ok(existsSync(join(dir, f)), f);
  assert.equal(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).net, 'reference');
  assert.ok(readFileSync(join(dir, 'model.safetensors')).length > 2_697_828 * 4);
});
