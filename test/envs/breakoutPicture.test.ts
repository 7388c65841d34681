import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Action, Breakout, type BreakoutOptions } from '../../src/envs/breakout/breakout.js';
import * as G from '../../src/envs/breakout/geometry.js';
import { FrameChanges } from '../../src/envs/frameChanges.js';
import { Rng } from '../../src/util/rng.js';

// The game repaints only what changed since the last observed frame; these tests run it beside
// the reference (every observed frame drawn whole) on the same seeds and actions.

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function assertSameFrame(fast: Uint8Array, whole: Uint8Array, what: string): void {
  const i = firstDifference(fast, whole);
  if (i >= 0) {
    const p = Math.floor(i / 3);
    assert.fail(`${what}: pixel (${p % G.SCREEN_WIDTH}, ${Math.floor(p / G.SCREEN_WIDTH)}) differs from the whole drawing`);
  }
}

/** Plays both games with the same random actions (FIRE often, so that balls are served and lost). */
function lockstep(options: Partial<BreakoutOptions>, steps: number, seed: number, everyStep?: (fast: Breakout, step: number) => void): { resets: number } {
  const fast = new Breakout(seed, options), whole = new Breakout(seed, { ...options, drawChangesOnly: false });
  assertSameFrame(fast.reset({ seed }).observation, whole.reset({ seed }).observation, 'reset');
  const rng = new Rng(seed + 100);
  let resets = 0;
  for (let step = 0; step < steps; step++) {
    everyStep?.(fast, step);
    everyStep?.(whole, step);
    const action = rng.next() < 0.2 ? Action.FIRE : rng.int(0, 3);
    const a = fast.step(action), b = whole.step(action);
    assertSameFrame(a.observation, b.observation, `step ${step}`);
    assert.equal(a.reward, b.reward);
    if (a.terminated || a.truncated) {
      resets++;
      assertSameFrame(fast.reset().observation, whole.reset().observation, `reset after step ${step}`);
    }
  }
  return { resets };
}

test('frames repainted where they changed equal whole drawings, frame skip 4 and 1, over lost balls and episodes', () => {
  assert.ok(lockstep({}, 3000, 7).resets > 0, 'an episode ended (the reset repaint was exercised)');
  lockstep({ frameSkip: 1 }, 1500, 8);
});

test('the same with sticky actions and with max-pooling of the last two frames', () => {
  lockstep({ repeatActionProbability: 0.25 }, 800, 9);
  lockstep({ maxPoolLastTwoFrames: true }, 1500, 10);
  lockstep({ maxPoolLastTwoFrames: true, frameSkip: 2 }, 800, 11);
});

test('state changed from outside (bricks, the ball placed) is repainted too: a new wall, a ball far away', () => {
  lockstep({ frameSkip: 2 }, 600, 12, (game, step) => {
    if (step % 150 === 10) game.bricks.fill(0, 0, 100); // almost all bricks gone at once
    if (step % 150 === 20) game.bricks.fill(1); // a whole new wall
    if (step % 150 === 30) game.placeBall(20 + (step % 97), 60 + (step % 50), 1, -1, 2); // a jump inside the brick band
  });
});

test('the repainted rectangles are reported, and cover only what moved', () => {
  const game = new Breakout(3);
  const changes = game.watchFrameChanges();
  assert.ok(changes !== null);
  game.reset({ seed: 3 });
  assert.equal(changes.all, true, 'the first frame is painted whole');
  changes.clear();
  game.step(Action.NOOP);
  assert.equal(changes.count, 0, 'a still paddle and no ball: nothing repainted');
  game.step(Action.RIGHT);
  assert.equal(changes.all, false);
  assert.ok(changes.count >= 1, 'the moving paddle was repainted');
  for (let k = 0; k < changes.count; k++) {
    assert.equal(changes.rects[4 * k + 1], G.PADDLE_TOP);
    assert.equal(changes.rects[4 * k + 3], G.PADDLE_TOP + G.PADDLE_HEIGHT);
  }
  assert.equal(new Breakout(3, { drawChangesOnly: false }).watchFrameChanges(), null, 'the reference drawing reports nothing');
  assert.throws(() => new Breakout(0, { drawChangesOnly: 1 as unknown as boolean }), /drawChangesOnly must be true or false/);
});

test('FrameChanges: rectangles past its capacity turn into "everything changed"; empty ones are dropped', () => {
  const changes = new FrameChanges(2);
  changes.clear();
  changes.add(0, 0, 0, 5);
  assert.equal(changes.count, 0);
  changes.add(0, 0, 1, 1); changes.add(1, 1, 2, 2);
  assert.equal(changes.all, false);
  changes.add(2, 2, 3, 3);
  assert.equal(changes.all, true);
});
