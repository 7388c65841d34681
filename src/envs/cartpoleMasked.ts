import { CartPole } from './cartpole.js';
import type { BoxSpace, DiscreteSpace, Env, ResetOptions, ResetResult, StepResult } from './env.js';

/**
 * CartPole observed partially: cart position and pole angle only, the velocities hidden. One
 * observation cannot tell which way the pole is falling, so a policy must remember the last
 * ones (a recurrent net does; a feed-forward net of the same observation cannot).
 */
export class MaskedCartPole implements Env {
  readonly observationSpace: BoxSpace = { kind: 'box', shape: [2], low: -Infinity, high: Infinity };
  readonly actionSpace: DiscreteSpace;
  private readonly cartpole: CartPole;
  private readonly observation = new Float32Array(2);

  constructor(seed = 0) {
    this.cartpole = new CartPole(seed);
    this.actionSpace = this.cartpole.actionSpace;
  }

  reset(options: ResetOptions = {}): ResetResult<Float32Array> {
    const { observation, info } = this.cartpole.reset(options);
    return { observation: this.mask(observation), info };
  }

  step(action: number): StepResult<Float32Array> {
    const result = this.cartpole.step(action);
    return { ...result, observation: this.mask(result.observation) };
  }

  /** The full state (x, x_dot, theta, theta_dot), for tests and rendering. */
  getState(): Float64Array {
    return this.cartpole.getState();
  }

  render(): { width: number; height: number; rgb: Uint8Array } {
    return this.cartpole.render();
  }

  close(): void {
    this.cartpole.close();
  }

  private mask(full: Float32Array): Float32Array {
    this.observation[0] = full[0];
    this.observation[1] = full[2];
    return this.observation;
  }
}
