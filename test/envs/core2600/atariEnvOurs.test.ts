import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AtariEnv } from '../../../src/envs/atari/atariEnv.js';
import { gameById } from '../../../src/envs/atari/games.js';
import { Rng } from '../../../src/util/rng.js';
import { testRom } from '../fixtures/testRom.js';
import { kernelRom } from './fixtures/kernelRom.js';

/*
 * AtariEnv on our core against AtariEnv on 6502.ts: the same ALE semantics above two cores, so
 * observations, rewards, lives and terminals must agree step by step (ours draws only the
 * frames the observation uses).
 */

function compareEnvs(gameId: string, rom: Uint8Array, steps: number, options: { maxPoolLastTwoFrames?: boolean; repeatActionProbability?: number } = {}): number {
  const game = gameById(gameId)!;
  const ours = new AtariEnv(game, rom, 5, { ...options, emulator: 'ours' });
  const theirs = new AtariEnv(game, rom, 5, { ...options, emulator: '6502ts' });
  const a = ours.reset({ seed: 5 }), b = theirs.reset({ seed: 5 });
  assert.deepEqual(a.observation, b.observation, 'reset observation');
  assert.deepEqual(a.info, b.info);
  const rng = new Rng(9);
  let rewards = 0;
  for (let s = 0; s < steps; s++) {
    const action = rng.int(0, ours.actionSpace.n - 1);
    const x = ours.step(action), y = theirs.step(action);
    assert.equal(x.reward, y.reward, `step ${s}: reward`);
    assert.deepEqual([x.terminated, x.truncated, x.info], [y.terminated, y.truncated, y.info], `step ${s}`);
    assert.ok(Buffer.compare(x.observation, y.observation) === 0, `step ${s}: observation`);
    rewards += x.reward;
    if (x.terminated || x.truncated) { ours.reset(); theirs.reset(); }
  }
  return rewards;
}

test('Breakout settings (paddles) on the test ROM: 150 steps identical on both cores, rewards included', () => {
  assert.ok(compareEnvs('breakout', testRom(), 150) > 0, 'the episode scored');
});

test('Space Invaders settings (joystick) on the kernel ROM with max-pooling and sticky actions: 150 steps identical', () => {
  compareEnvs('space_invaders', kernelRom(2), 150, { maxPoolLastTwoFrames: true, repeatActionProbability: 0.25 });
});

test('an unknown emulator is refused in one line naming the choices', () => {
  assert.throws(() => new AtariEnv(gameById('breakout')!, testRom(), 0, { emulator: 'stella' as never }), /breakout: emulator must be one of ours, 6502ts, got stella/);
});
