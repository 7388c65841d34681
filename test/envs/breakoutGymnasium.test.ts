import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeEnv } from '../../src/index.js';
import { getPreset, networkSpec } from '../../src/presets.js';
import type { Breakout } from '../../src/envs/breakout/breakout.js';
import { pixelDifferences, readReferenceFrame } from './fixtures/aleBreakout.js';

const IDS: [string, number, number][] = [
  ['BreakoutNoFrameskip-v4', 1, 0], ['BreakoutDeterministic-v4', 4, 0], ['ALE/Breakout-v5', 4, 0.25],
];

test('Gymnasium\'s Breakout ids give the raw 210x160x3 frame, the minimal actions, their frame skip and sticky actions', () => {
  for (const [id, frameSkip, sticky] of IDS) {
    const env = makeEnv(id, 0);
    assert.deepEqual(env.observationSpace.shape, [210, 160, 3], id);
    assert.deepEqual(env.actionSpace.names, ['NOOP', 'FIRE', 'RIGHT', 'LEFT'], id);
    const { observation } = env.reset({ seed: 0 });
    assert.equal(pixelDifferences(observation as unknown as Uint8Array, readReferenceFrame(0)), 0, `${id}: the ALE's reset frame`);
    const r = env.step(0);
    assert.equal(r.info.frame, frameSkip, `${id}: frames per step`);
    const game = env as unknown as Breakout;
    assert.equal(game.options.repeatActionProbability, sticky, id);
    assert.equal(game.options.maxEpisodeFrames, 108_000, id);
  }
});

test('the Gymnasium ids take environment options as gymnasium.make does, and say what to train instead', () => {
  const env = makeEnv('ALE/Breakout-v5', 0, 'eval', { repeatActionProbability: 0 }) as unknown as Breakout;
  assert.equal(env.options.repeatActionProbability, 0);
  assert.throws(() => networkSpec({ env: 'BreakoutNoFrameskip-v4', net: 'reference' }, 4), /raw 210x160 RGB frames.*train 'breakout'/);
  assert.equal(getPreset('breakout').id, 'breakout', 'the reference preset is still the book\'s preprocessing');
  assert.deepEqual(makeEnv('breakout', 0, 'train').observationSpace.shape, [84, 84, 4]);
});
