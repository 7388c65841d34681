import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BoxSpace, DiscreteSpace, Env, ResetResult, StepResult } from '../../src/envs/env.js';
import { ClipReward } from '../../src/wrappers/atari.js';

/** Pays the rewards of a script, one per step (negative ones included, which Breakout never pays). */
class ScriptedRewards implements Env<Float32Array> {
  readonly observationSpace: BoxSpace = { kind: 'box', shape: [1], low: 0, high: 1 };
  readonly actionSpace: DiscreteSpace = { kind: 'discrete', n: 1 };
  private readonly observation = new Float32Array(1);
  private t = 0;
  constructor(private readonly rewards: number[]) {}
  reset(): ResetResult<Float32Array> { this.t = 0; return { observation: this.observation, info: {} }; }
  step(): StepResult<Float32Array> {
    const reward = this.rewards[this.t++];
    return { observation: this.observation, reward, terminated: this.t >= this.rewards.length, truncated: false, info: {} };
  }
  close(): void {}
}

test('ClipReward clips both ways to [-limit, limit] and keeps every raw reward', () => {
  const rewards = [-5, -1.5, -0.25, 0, 0.5, 2, 7];
  for (const [limit, clipped] of [[1, [-1, -1, -0.25, 0, 0.5, 1, 1]], [2, [-2, -1.5, -0.25, 0, 0.5, 2, 2]]] as const) {
    const env = new ClipReward(new ScriptedRewards(rewards), limit);
    env.reset();
    const got = rewards.map(() => env.step(0));
    assert.deepEqual(got.map((r) => r.reward), clipped, `limit ${limit}`);
    assert.deepEqual(got.map((r) => r.info.rawReward), rewards);
  }
});
