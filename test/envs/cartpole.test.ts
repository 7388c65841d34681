import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CartPole } from '../../src/envs/cartpole.js';
import { TimeLimit } from '../../src/wrappers/timeLimit.js';

test('one CartPole step from rest follows the Gymnasium equations', () => {
  const env = new CartPole();
  env.reset({ seed: 1 });
  (env as unknown as { state: Float64Array }).state.fill(0);
  const { observation, reward, terminated } = env.step(1);
  // temp = 10/1.1; thetaacc = -temp / (0.5 * (4/3 - 0.1/1.1)); xacc = temp - 0.05*thetaacc/1.1
  const temp = 10 / 1.1;
  const thetaAcc = -temp / (0.5 * (4 / 3 - 0.1 / 1.1));
  const xAcc = temp - (0.05 * thetaAcc) / 1.1;
  const s = env.getState();
  assert.equal(s[0], 0);
  assert.ok(Math.abs(s[1] - 0.02 * xAcc) < 1e-12);
  assert.equal(s[2], 0);
  assert.ok(Math.abs(s[3] - 0.02 * thetaAcc) < 1e-12);
  assert.ok(Math.abs(observation[1] - 0.19512195) < 1e-6);
  assert.ok(Math.abs(observation[3] - -0.29268293) < 1e-6);
  assert.equal(reward, 1);
  assert.equal(terminated, false);
});

test('reset draws every state variable in [-0.05, 0.05) and is deterministic per seed', () => {
  const a = new CartPole(), b = new CartPole();
  const first = Array.from(a.reset({ seed: 42 }).observation);
  assert.deepEqual(first, Array.from(b.reset({ seed: 42 }).observation));
  for (const v of first) assert.ok(v >= -0.05 && v < 0.05);
  assert.notDeepEqual(Array.from(a.reset({ seed: 43 }).observation), first);
});

test('terminates past 12 degrees or 2.4 units, and step after the end throws', () => {
  const env = new CartPole();
  env.reset({ seed: 0 });
  let steps = 0, result;
  do { result = env.step(1); steps++; } while (!result.terminated && steps < 1000);
  assert.ok(result.terminated, 'always pushing right must topple the pole');
  const s = env.getState();
  assert.ok(Math.abs(s[2]) > (12 * 2 * Math.PI) / 360 || Math.abs(s[0]) > 2.4);
  assert.equal(result.reward, 1);
  assert.throws(() => env.step(0), /after the episode ended/);
  assert.throws(() => new CartPole().step(0), /before reset/);
  const fresh = new CartPole(); fresh.reset();
  assert.throws(() => fresh.step(2), /outside the action space/);
});

test('TimeLimit truncates CartPole-v1 at 500 steps', () => {
  const env = new TimeLimit(new CartPole(), 500);
  env.reset({ seed: 3 });
  const inner = env.env as CartPole;
  let result, steps = 0;
  do {
    (inner as unknown as { state: Float64Array }).state.fill(0); // keep the pole upright
    result = env.step(steps % 2);
    steps++;
  } while (!result.truncated && !result.terminated);
  assert.equal(steps, 500);
  assert.equal(result.truncated, true);
  assert.equal(result.terminated, false);
});
