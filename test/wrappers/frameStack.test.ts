import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Breakout } from '../../src/envs/breakout/breakout.js';
import { GrayResize } from '../../src/wrappers/grayResize.js';
import { FrameStack } from '../../src/wrappers/frameStack.js';
import { EpisodicLife } from '../../src/wrappers/atari.js';

test('FrameStack: every observation over 1,300 steps (past the window\'s move back) equals the stack built by hand', () => {
  const game = new Breakout(4);
  const gray = new GrayResize(new EpisodicLife(game));
  const stack = new FrameStack(gray, { depth: 4, refillOnLifeLoss: true });
  const pixels = 84 * 84;
  let history: Uint8Array[] = [];
  const remember = (frame: Uint8Array, refill: boolean) => {
    history = refill ? [0, 1, 2, 3].map(() => frame.slice()) : [frame.slice(), ...history.slice(0, 3)];
  };
  const check = (obs: Float32Array, what: string) => {
    assert.equal(obs.length, pixels * 4);
    for (let p = 0; p < pixels; p++) {
      for (let k = 0; k < 4; k++) {
        const expected = Math.fround(history[k][p] * (1 / 255));
        if (obs[p * 4 + k] !== expected) assert.fail(`${what}: pixel ${p} channel ${k} is ${obs[p * 4 + k]}, expected ${expected}`);
      }
    }
  };
  let r = stack.reset({ seed: 4 });
  remember(gray.transform(game.render().rgb), true);
  check(r.observation, 'reset');
  let lifeLosses = 0, resets = 0;
  for (let step = 0; step < 1300; step++) {
    const s = stack.step(step % 7 === 0 ? 1 : 2 + (step % 2));
    if (s.info.lifeLost) lifeLosses++;
    remember(gray.transform(game.render().rgb), s.info.lifeLost === true);
    check(s.observation, `step ${step}`);
    if (s.terminated || s.truncated) {
      r = stack.reset();
      resets++;
      remember(gray.transform(game.render().rgb), true);
      check(r.observation, `reset after step ${step}`);
    }
  }
  assert.ok(lifeLosses > 0, 'the run lost a life (the refill was exercised)');
  assert.ok(resets + lifeLosses > 0);
});

test('FrameStack at other depths and sizes (3 of 5x5, 2 of 7x7: pixel counts not multiples of four) equals the stack built by hand', () => {
  for (const [depth, size] of [[3, 5], [2, 7]]) {
    const game = new Breakout(6);
    const gray = new GrayResize(new EpisodicLife(game), size);
    const stack = new FrameStack(gray, { depth, refillOnLifeLoss: true });
    const pixels = size * size;
    let history: Uint8Array[] = [];
    const remember = (frame: Uint8Array, refill: boolean) => {
      history = refill ? Array.from({ length: depth }, () => frame.slice()) : [frame.slice(), ...history.slice(0, depth - 1)];
    };
    const check = (obs: Float32Array, what: string) => {
      assert.equal(obs.length, pixels * depth);
      for (let p = 0; p < pixels; p++) {
        for (let k = 0; k < depth; k++) {
          const expected = Math.fround(history[k][p] * (1 / 255));
          if (obs[p * depth + k] !== expected) assert.fail(`depth ${depth}, ${what}: pixel ${p} channel ${k} is ${obs[p * depth + k]}, expected ${expected}`);
        }
      }
    };
    const r = stack.reset({ seed: 6 });
    remember(gray.transform(game.render().rgb), true);
    check(r.observation, 'reset');
    let lifeLosses = 0;
    for (let step = 0; step < 1100; step++) {
      const s = stack.step(step % 5 === 0 ? 1 : 2 + (step % 2));
      if (s.info.lifeLost) lifeLosses++;
      remember(gray.transform(game.render().rgb), s.info.lifeLost === true);
      check(s.observation, `step ${step}`);
      if (s.terminated || s.truncated) {
        const again = stack.reset();
        remember(gray.transform(game.render().rgb), true);
        check(again.observation, `reset after step ${step}`);
      }
    }
    assert.ok(lifeLosses > 0, `depth ${depth}: a life was lost (the refill was exercised)`);
  }
});
