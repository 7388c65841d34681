import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BoxSpace, DiscreteSpace, Env, ResetResult, StepResult } from '../../src/envs/env.js';
import { buildActorCritic, mlpNet } from '../../src/agents/networks.js';
import { ActorLearner, type EpisodeRecord } from '../../src/train/actorLearner.js';
import { GlobalStore } from '../../src/train/globalStore.js';
import { buildTrainConfig, trainFlagsSchema } from '../../src/cli/trainCommand.js';
import { EpisodicLife } from '../../src/wrappers/atari.js';

/** Two lives, a constant observation, no reward: the first step loses a life, the second ends the game. */
class TwoSteps implements Env {
  readonly observationSpace: BoxSpace = { kind: 'box', shape: [4], low: 0, high: 1 };
  readonly actionSpace: DiscreteSpace = { kind: 'discrete', n: 2 };
  private readonly observation = Float32Array.from([1, 0.5, -0.5, 0.25]);
  private t = 0;
  reset(): ResetResult<Float32Array> { this.t = 0; return { observation: this.observation, info: { lives: 2 } }; }
  step(): StepResult<Float32Array> {
    this.t++;
    return { observation: this.observation, reward: 0, terminated: this.t >= 2, truncated: false, info: { lives: 2 - this.t } };
  }
  close(): void {}
}

function firstEpisodeValueLoss(lifeLossTerminal: boolean): { valueLoss: number; initialValue: number } {
  const config = buildTrainConfig('cartpole', trainFlagsSchema.parse({ workers: 1, seed: 2, lifeLossTerminal, lr: 1e-9 }));
  const spec = mlpNet(4, 2, [8]);
  const store = GlobalStore.create(buildActorCritic(spec, 1, undefined, 'js').paramCount, 1, false);
  const init = buildActorCritic(spec, 1, store.params, 'js');
  init.initialize(2);
  for (let i = init.paramCount - 1; i >= init.paramCount - 3; i--) init.params[i] = 0.5; // head biases: V(s) clearly non-zero
  init.input.set([1, 0.5, -0.5, 0.25]);
  init.forward(0, 1);
  const initialValue = init.output[2];
  const episodes: EpisodeRecord[] = [];
  const learner = new ActorLearner({ rank: 0, seed: config.seed, config, store, env: new EpisodicLife(new TwoSteps()), net: buildActorCritic(spec, config.tMax + 1, undefined, 'js'), onEpisode: (e) => episodes.push(e) });
  while (episodes.length === 0) learner.rolloutAndUpdate();
  return { valueLoss: episodes[0].valueLoss, initialValue };
}

test('a lost life ends the rollout and bootstraps from the next state unless lives are terminal', () => {
  // With a constant observation V(s0) = V(s1) = v, and the learning rate ~0 keeps it so.
  // Update 1 (the life lost): terminal -> critic 0.5 v^2; bootstrapped -> 0.5 (0.99 v - v)^2.
  // Update 2 (game over): 0.5 v^2 either way. The record holds the mean of the two.
  const bootstrapped = firstEpisodeValueLoss(false);
  const terminal = firstEpisodeValueLoss(true);
  const v = bootstrapped.initialValue;
  assert.ok(Math.abs(v) > 0.1, `value ${v}`);
  assert.ok(Math.abs(terminal.valueLoss - (0.5 * v * v + 0.5 * v * v) / 2) < 1e-4, `terminal ${terminal.valueLoss}`);
  assert.ok(Math.abs(bootstrapped.valueLoss - (0.5 * (0.01 * v) ** 2 + 0.5 * v * v) / 2) < 1e-4, `bootstrapped ${bootstrapped.valueLoss}`);
});
