import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BoxSpace, DiscreteSpace, Env, ResetResult, StepResult } from '../../src/envs/env.js';
import { Rng } from '../../src/util/rng.js';
import { buildActorCritic, referenceAtariNet } from '../../src/agents/networks.js';
import { ActorLearner, type EpisodeRecord } from '../../src/train/actorLearner.js';
import { GlobalStore } from '../../src/train/globalStore.js';
import { buildTrainConfig, trainFlagsSchema } from '../../src/cli/trainCommand.js';

/**
 * A pixel task the conv net must solve: an 84x84x4 screen lit on its left or right half;
 * action 1 (RIGHT) pays +1 when the right half is lit, action 2 (LEFT) when the left is; 20
 * steps an episode. A policy that reads the screen scores 20; a blind one about 6.7.
 */
class LitSide implements Env {
  readonly observationSpace: BoxSpace = { kind: 'box', shape: [84, 84, 4], low: 0, high: 1 };
  readonly actionSpace: DiscreteSpace = { kind: 'discrete', n: 3 };
  private readonly screen = new Float32Array(84 * 84 * 4);
  private rng = new Rng(0);
  private right = false;
  private t = 0;

  reset(options: { seed?: number } = {}): ResetResult<Float32Array> {
    if (options.seed !== undefined) this.rng = new Rng(options.seed);
    this.t = 0;
    return { observation: this.draw(), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    const reward = (this.right && action === 1) || (!this.right && action === 2) ? 1 : 0;
    this.t++;
    return { observation: this.draw(), reward, terminated: this.t >= 20, truncated: false, info: {} };
  }

  close(): void {}

  private draw(): Float32Array {
    this.right = this.rng.next() < 0.5;
    this.screen.fill(0);
    for (let y = 0; y < 84; y++) for (let x = this.right ? 42 : 0; x < (this.right ? 84 : 42); x++) {
      for (let c = 0; c < 4; c++) this.screen[(y * 84 + x) * 4 + c] = 0.5;
    }
    return this.screen;
  }
}

test('the reference conv net learns a pixel task through the actor-learner (wasm kernels)', () => {
  const config = buildTrainConfig('breakout', trainFlagsSchema.parse({ workers: 1, seed: 3 }));
  const spec = referenceAtariNet(3);
  const store = GlobalStore.create(buildActorCritic(spec, 1, undefined, 'js').paramCount);
  buildActorCritic(spec, 1, store.params, 'js').initialize(3);
  const episodes: EpisodeRecord[] = [];
  const learner = new ActorLearner({
    rank: 0, seed: config.seed, config, store, env: new LitSide(), net: buildActorCritic(spec, config.tMax + 1, undefined, 'wasm'),
    onEpisode: (e) => episodes.push(e),
  });
  while (episodes.length < 150) learner.rolloutAndUpdate();
  const last = episodes.slice(-20).reduce((a, e) => a + e.return, 0) / 20;
  assert.ok(last >= 17, `mean return of the last 20 episodes ${last} (blind: ~6.7, perfect: 20)`);
});
