import type { Env, ResetOptions, ResetResult, StepResult } from '../envs/env.js';
import { Wrapper } from './wrapper.js';

/**
 * Episodic life: marks `info.lifeLost` on the step `info.lives` goes down without the episode
 * ending. The actor-learner treats it as "dead" (ends the rollout, no bootstrap, and the
 * preset's forced action next); the episode itself goes on.
 */
export class EpisodicLife<Obs> extends Wrapper<Obs> {
  override readonly passesObservationsOn = true;
  private lives = 0;

  reset(options?: ResetOptions): ResetResult<Obs> {
    const r = this.env.reset(options);
    this.lives = r.info.lives ?? 0;
    return r;
  }

  step(action: number): StepResult<Obs> {
    const r = this.env.step(action);
    const lives = r.info.lives ?? this.lives;
    const lifeLost = lives < this.lives && !r.terminated;
    this.lives = lives;
    return lifeLost ? { ...r, info: { ...r.info, lifeLost } } : r;
  }
}

/** Clips rewards to [-limit, limit] for learning; the game's own reward stays in info.rawReward. */
export class ClipReward<Obs> extends Wrapper<Obs> {
  override readonly passesObservationsOn = true;
  constructor(env: Env<Obs>, readonly limit = 1) {
    super(env);
  }

  reset(options?: ResetOptions): ResetResult<Obs> { return this.env.reset(options); }

  step(action: number): StepResult<Obs> {
    const r = this.env.step(action);
    const raw = r.info.rawReward ?? r.reward;
    return { ...r, reward: Math.max(-this.limit, Math.min(this.limit, r.reward)), info: { ...r.info, rawReward: raw } };
  }
}

/**
 * After every reset, takes a random number of steps in [1, maxSteps] with a fixed action (the
 * reference: 1-30 FIRE steps; DQN: no-ops), drawn from its own seeded generator.
 */
export class RandomStartSteps<Obs> extends Wrapper<Obs> {
  override readonly passesObservationsOn = true;
  private rngState: number;

  constructor(env: Env<Obs>, readonly action: number, readonly maxSteps = 30, seed = 0) {
    super(env);
    this.rngState = (seed ^ 0x9e3779b9) >>> 0;
  }

  /** The number of start steps most recently taken. */
  lastStartSteps = 0;

  reset(options?: ResetOptions): ResetResult<Obs> {
    if (options?.seed !== undefined) this.rngState = (options.seed ^ 0x9e3779b9) >>> 0;
    let r = this.env.reset(options);
    const steps = 1 + (this.nextRandom() % this.maxSteps);
    this.lastStartSteps = steps;
    for (let i = 0; i < steps; i++) {
      const s = this.env.step(this.action);
      r = { observation: s.observation, info: s.info };
      if (s.terminated || s.truncated) r = this.env.reset();
    }
    return r;
  }

  step(action: number): StepResult<Obs> { return this.env.step(action); }

  /** xorshift32: a tiny dedicated stream so start steps never disturb the game's generator. */
  private nextRandom(): number {
    let x = this.rngState || 1;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.rngState = x;
    return x;
  }
}

/** Exposes a subset of the inner actions: agent action i is inner action `actions[i]`. */
export class ActionSubset<Obs> extends Wrapper<Obs> {
  override readonly passesObservationsOn = true;
  private readonly space;

  constructor(env: Env<Obs>, readonly actions: number[]) {
    super(env);
    const names = env.actionSpace.names;
    for (const a of actions) if (a < 0 || a >= env.actionSpace.n) throw new RangeError(`ActionSubset: action ${a} not in [0, ${env.actionSpace.n})`);
    this.space = { kind: 'discrete' as const, n: actions.length, names: names ? actions.map((a) => names[a]) : undefined };
  }

  override get actionSpace() { return this.space; }
  reset(options?: ResetOptions): ResetResult<Obs> { return this.env.reset(options); }

  step(action: number): StepResult<Obs> {
    if (!Number.isInteger(action) || action < 0 || action >= this.actions.length) {
      throw new RangeError(`action ${action} is outside the action space [0, ${this.actions.length})`);
    }
    return this.env.step(this.actions[action]);
  }
}
