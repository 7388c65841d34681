import type { Env, ResetOptions, ResetResult, StepResult } from '../envs/env.js';
import { Wrapper } from './wrapper.js';

/** Gymnasium's TimeLimit: sets `truncated` once `maxSteps` steps have been taken. */
export class TimeLimit<Obs> extends Wrapper<Obs> {
  override readonly passesObservationsOn = true;
  private elapsed = 0;

  constructor(env: Env<Obs>, readonly maxSteps: number) {
    super(env);
    if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new RangeError(`TimeLimit: maxSteps must be a positive integer, got ${maxSteps}`);
  }

  reset(options?: ResetOptions): ResetResult<Obs> {
    this.elapsed = 0;
    return this.env.reset(options);
  }

  step(action: number): StepResult<Obs> {
    const result = this.env.step(action);
    this.elapsed++;
    if (this.elapsed >= this.maxSteps && !result.terminated) return { ...result, truncated: true };
    return result;
  }
}
