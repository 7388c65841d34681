import type { Env, ResetOptions, ResetResult, StepResult } from '../envs/env.js';

/** Base for wrappers: forwards everything to the inner env; subclasses override what they change. */
export abstract class Wrapper<InnerObs, Obs = InnerObs> implements Env<Obs> {
  /** True for wrappers that hand the inner observation on as it is (the same buffer): a game's frame-change reports stay valid through them. */
  readonly passesObservationsOn: boolean = false;
  constructor(readonly env: Env<InnerObs>) {}
  get observationSpace() { return this.env.observationSpace; }
  get actionSpace() { return this.env.actionSpace; }
  abstract reset(options?: ResetOptions): ResetResult<Obs>;
  abstract step(action: number): StepResult<Obs>;
  render() {
    if (!this.env.render) throw new Error('the wrapped environment cannot render');
    return this.env.render();
  }
  close(): void { this.env.close(); }
}
