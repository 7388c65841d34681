import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Action, Breakout } from '../../src/envs/breakout/breakout.js';
import type { Env } from '../../src/envs/env.js';
import { makeEnv } from '../../src/index.js';
import { Rng } from '../../src/util/rng.js';
import { EpisodicLife, RandomStartSteps } from '../../src/wrappers/atari.js';
import { GrayResize } from '../../src/wrappers/grayResize.js';
import { Wrapper } from '../../src/wrappers/wrapper.js';
import { FRAME_STEPS, REFERENCE_ACTIONS, readReferenceFrame } from '../envs/fixtures/aleBreakout.js';
import { ReferenceGrayResize } from './grayResizeReference.js';

// Gray frames recomputed only where the game reports changes must equal the float recipe
// (skimage luma, area averaging, truncation) of the whole frame, on every step.

function assertSame(fast: Uint8Array, reference: Uint8Array, what: string): void {
  for (let i = 0; i < reference.length; i++) {
    if (fast[i] !== reference[i]) assert.fail(`${what}: pixel ${i} is ${fast[i]}, the float recipe gives ${reference[i]}`);
  }
}

test('gray from reported changes equals the float recipe of the whole frame on real game frames', () => {
  for (const options of [{}, { maxPoolLastTwoFrames: true }]) {
    const game = new Breakout(5, options);
    const gray = new GrayResize(new RandomStartSteps(new EpisodicLife(game), Action.FIRE, 30, 5));
    assert.ok(gray.changes !== null, 'the fast path was found through the wrappers');
    const reference = new ReferenceGrayResize(210, 160, 84);
    const rng = new Rng(5);
    assertSame(gray.reset({ seed: 5 }).observation, reference.transform(game.render().rgb), 'reset');
    for (let step = 0; step < 700; step++) {
      const r = gray.step(rng.next() < 0.2 ? Action.FIRE : rng.int(0, 3));
      assertSame(r.observation, reference.transform(game.render().rgb), `step ${step}`);
      if (r.terminated || r.truncated) assertSame(gray.reset().observation, reference.transform(game.render().rgb), `reset after ${step}`);
    }
    assert.ok(gray.partialUpdates > 600, `most steps were updated from changes only (${gray.partialUpdates} of 700)`);
  }
});

test('gray from reported changes equals the float recipe of the real ALE frames (fixtures)', () => {
  const ACTION_OF: Record<string, number> = { N: Action.NOOP, F: Action.FIRE, R: Action.RIGHT, L: Action.LEFT };
  const gray = new GrayResize(new Breakout(0));
  const reference = new ReferenceGrayResize(210, 160, 84);
  const frames = [gray.reset({ seed: 0 }).observation.slice()];
  for (const a of REFERENCE_ACTIONS) frames.push(gray.step(ACTION_OF[a]).observation.slice());
  for (const step of FRAME_STEPS) assertSame(frames[step], reference.transform(readReferenceFrame(step)), `ALE frame of step ${step}`);
});

/** The GrayResize inside a preset's wrapper chain. */
function grayOf(env: Env): GrayResize {
  for (let e: unknown = env; e instanceof Wrapper; e = e.env) if (e instanceof GrayResize) return e;
  throw new Error('no GrayResize in the chain');
}

test('the breakout preset takes the fast path by itself; drawChangesOnly=false forces the reference; both see the same', () => {
  const fast = makeEnv('breakout', 2, 'train'), reference = makeEnv('breakout', 2, 'train', { drawChangesOnly: 'false' });
  assert.ok(grayOf(fast).changes !== null);
  assert.equal(grayOf(reference).changes, null);
  const same = (a: Float32Array, b: Float32Array, what: string) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) assert.fail(`${what}: observation value ${i} differs`);
  };
  same(fast.reset({ seed: 2 }).observation, reference.reset({ seed: 2 }).observation, 'reset');
  const rng = new Rng(2);
  let lifeLosses = 0;
  for (let step = 0; step < 1500; step++) {
    const action = rng.int(0, 2);
    const a = fast.step(action), b = reference.step(action);
    same(a.observation, b.observation, `step ${step}`);
    if (a.info.lifeLost) lifeLosses++;
    if (a.terminated || a.truncated) same(fast.reset().observation, reference.reset().observation, `reset after ${step}`);
  }
  assert.ok(lifeLosses > 0, 'lives were lost (the stack refill and re-serves were exercised)');
});
