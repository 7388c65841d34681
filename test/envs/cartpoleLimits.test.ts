import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CartPole } from '../../src/envs/cartpole.js';
import type { Env } from '../../src/envs/env.js';
import { getPreset } from '../../src/presets.js';
import type { TimeLimit } from '../../src/wrappers/timeLimit.js';

// CartPole-v1's limits written out here, not read from the code under test.
const TWELVE_DEGREES = (12 * Math.PI) / 180;
const X_LIMIT = 2.4;

/** The environment the cartpole preset trains on (TimeLimit around CartPole). */
function presetEnv(seed: number): { env: Env<Float32Array>; cartpole: CartPole } {
  const env = getPreset('cartpole').makeEnv(seed, { envOptions: {}, rewardClip: null }, 'train') as Env<Float32Array>;
  return { env, cartpole: (env as TimeLimit<Float32Array>).env as CartPole };
}

/** Sets the pole's exact state before the next step (the state is private: tests only). */
function place(cartpole: CartPole, x: number, xDot: number, theta: number, thetaDot: number): void {
  (cartpole as unknown as { state: Float64Array }).state.set([x, xDot, theta, thetaDot]);
}

/** A linear controller that keeps the pole up and the cart near the centre. */
const balance = (o: Float32Array): number => (o[2] + 0.3 * o[3] + 0.05 * o[0] + 0.1 * o[1] > 0 ? 1 : 0);

test('the cartpole preset truncates every balanced episode at exactly 500 steps (CartPole-v1)', () => {
  const { env } = presetEnv(0);
  for (const seed of [0, 4, 1]) { // one environment, reset between episodes, as a worker uses it
    let observation = env.reset({ seed }).observation;
    let steps = 0, result;
    do {
      result = env.step(balance(observation));
      observation = result.observation;
      steps++;
    } while (!result.truncated && !result.terminated && steps < 1000);
    assert.equal(result.terminated, false, `seed ${seed}: the controller balanced`);
    assert.equal(steps, 500, `seed ${seed}: truncated after ${steps} steps`);
    assert.equal(result.truncated, true);
  }
});

test('the preset\'s pole terminates on the first step past 12 degrees, not before', () => {
  for (const direction of [1, -1]) {
    const { env, cartpole } = presetEnv(1);
    env.reset({ seed: 1 });
    let steps = 0, result;
    do {
      const before = cartpole.getState()[2];
      result = env.step(direction > 0 ? 0 : 1); // always the same push: the pole falls the other way
      const theta = cartpole.getState()[2];
      steps++;
      assert.equal(result.terminated, Math.abs(theta) > TWELVE_DEGREES, `step ${steps}: theta ${(theta * 180 / Math.PI).toFixed(3)} deg (was ${(before * 180 / Math.PI).toFixed(3)})`);
    } while (!result.terminated && steps < 200);
    const theta = cartpole.getState()[2];
    assert.ok(Math.abs(theta) > TWELVE_DEGREES && Math.abs(theta) < (13.5 * Math.PI) / 180, `ended at ${(theta * 180 / Math.PI).toFixed(3)} deg`);
  }
});

test('placed just inside and just past 12 degrees and 2.4 units, the pole terminates only past them', () => {
  const { env, cartpole } = presetEnv(2);
  const cases: { name: string; state: [number, number, number, number]; terminated: boolean }[] = [
    // One step moves x by 0.02 * xDot and theta by 0.02 * thetaDot (Euler).
    { name: 'theta to 11.9 deg', state: [0, 0, TWELVE_DEGREES - 0.002, 0.05], terminated: false },
    { name: 'theta to 12.1 deg', state: [0, 0, TWELVE_DEGREES - 0.0005, 0.15], terminated: true },
    { name: 'theta to -12.1 deg', state: [0, 0, -TWELVE_DEGREES + 0.0005, -0.15], terminated: true },
    { name: 'theta to 13 deg', state: [0, 0, (13 * Math.PI) / 180 - 0.001, 0], terminated: true },
    { name: 'x to 2.39', state: [X_LIMIT - 0.02, 0.5, 0, 0], terminated: false },
    { name: 'x to 2.41', state: [X_LIMIT - 0.01, 1, 0, 0], terminated: true },
    { name: 'x to -2.41', state: [-X_LIMIT + 0.01, -1, 0, 0], terminated: true },
  ];
  for (const c of cases) {
    env.reset({ seed: 2 });
    place(cartpole, ...c.state);
    const result = env.step(0);
    assert.equal(result.terminated, c.terminated, `${c.name}: state after ${Array.from(cartpole.getState()).map((v) => v.toFixed(4))}`);
  }
});
