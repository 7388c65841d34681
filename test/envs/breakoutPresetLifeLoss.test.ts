import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Env } from '../../src/envs/env.js';
import { getPreset } from '../../src/presets.js';

const settings = { envOptions: {}, rewardClip: 1 };

/** Whether the 4 stacked frames (NHWC, 84x84x4) of an observation are one frame repeated. */
function allChannelsEqual(observation: Float32Array): boolean {
  for (let p = 0; p < observation.length; p += 4) {
    if (observation[p + 1] !== observation[p] || observation[p + 2] !== observation[p] || observation[p + 3] !== observation[p]) return false;
  }
  return true;
}

test('the breakout preset refills its frame stack with the new frame on the step a life is lost', () => {
  const env = getPreset('breakout').makeEnv(3, settings, 'train') as Env<Float32Array>;
  assert.deepEqual(env.observationSpace.shape, [84, 84, 4]);
  env.reset({ seed: 3 });
  const right = env.actionSpace.names!.indexOf('RIGHT');
  let lifeLost = false, movingStackSeen = false, steps = 0;
  while (!lifeLost && steps < 2000) {
    const result = env.step(right); // the paddle waits in the corner: the ball is missed soon
    steps++;
    assert.equal(result.terminated, false, 'the first life ends before the game');
    lifeLost = result.info.lifeLost === true;
    if (lifeLost) assert.ok(allChannelsEqual(result.observation), `step ${steps}: the stack after the lost life holds older frames`);
    else if (!allChannelsEqual(result.observation)) movingStackSeen = true;
  }
  assert.ok(lifeLost, 'a life was lost');
  assert.ok(movingStackSeen, 'between lives the stack holds different frames (the check can fail)');
});

test('the breakout preset forces FIRE, by the agent\'s index, after a lost life', () => {
  const preset = getPreset('breakout');
  const env = preset.makeEnv(1, settings, 'train');
  assert.deepEqual(env.actionSpace.names, ['FIRE', 'RIGHT', 'LEFT']);
  assert.equal(preset.actionAfterLifeLoss, env.actionSpace.names!.indexOf('FIRE'));
  assert.equal(getPreset('cartpole').actionAfterLifeLoss, undefined, 'cartpole has no lives');
});
