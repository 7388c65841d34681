import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Action, Breakout } from '../../src/envs/breakout/breakout.js';

test('one Breakout step advances exactly frameSkip frames (4 by default, as BreakoutDeterministic-v4)', () => {
  for (const [options, skip] of [[{}, 4], [{ frameSkip: 1 }, 1], [{ frameSkip: 3 }, 3]] as const) {
    const env = new Breakout(1, options);
    assert.equal(env.reset({ seed: 1 }).info.frame, 0);
    for (let step = 1; step <= 25; step++) {
      const r = env.step(step === 1 ? Action.FIRE : Action.RIGHT);
      assert.equal(r.info.frame, step * skip, `frameSkip ${skip}, step ${step}`);
      if (r.terminated) break;
    }
  }
});
