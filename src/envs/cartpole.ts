import { Rng } from '../util/rng.js';
import { CARTPOLE_FRAME, renderCartPole } from './cartpoleRender.js';
import { checkAction, type BoxSpace, type DiscreteSpace, type Env, type ResetOptions, type ResetResult, type StepResult } from './env.js';

/**
 * CartPole with Gymnasium's exact dynamics (classic_control/cartpole.py, Euler integration):
 * terminated when |x| > 2.4 or |theta| > 12 degrees; reward 1 on every step, the terminating
 * one included. The 500-step truncation of CartPole-v1 is the TimeLimit wrapper's job.
 * Actions: 0 pushes left, 1 pushes right.
 */
export class CartPole implements Env {
  static readonly gravity = 9.8;
  static readonly massCart = 1.0;
  static readonly massPole = 0.1;
  static readonly totalMass = CartPole.massCart + CartPole.massPole;
  static readonly halfPoleLength = 0.5;
  static readonly poleMassLength = CartPole.massPole * CartPole.halfPoleLength;
  static readonly forceMagnitude = 10.0;
  static readonly tau = 0.02;
  static readonly thetaThreshold = (12 * 2 * Math.PI) / 360;
  static readonly xThreshold = 2.4;

  readonly observationSpace: BoxSpace = { kind: 'box', shape: [4], low: -Infinity, high: Infinity };
  readonly actionSpace: DiscreteSpace = { kind: 'discrete', n: 2, names: ['LEFT', 'RIGHT'] };

  /** x, x_dot, theta, theta_dot in double precision, as Gymnasium keeps them. */
  private readonly state = new Float64Array(4);
  private readonly observation = new Float32Array(4);
  private readonly frame = new Uint8Array(CARTPOLE_FRAME.width * CARTPOLE_FRAME.height * 3);
  private rng: Rng;
  private needsReset = true;

  constructor(seed = 0) {
    this.rng = new Rng(seed);
  }

  reset(options: ResetOptions = {}): ResetResult<Float32Array> {
    if (options.seed !== undefined) this.rng = new Rng(options.seed);
    for (let i = 0; i < 4; i++) this.state[i] = this.rng.uniform(-0.05, 0.05);
    this.needsReset = false;
    return { observation: this.observe(), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    checkAction(action, this.actionSpace, 'cartpole');
    if (this.needsReset) throw new Error('cartpole: step() called before reset() or after the episode ended');
    const C = CartPole;
    const s = this.state;
    const [x, xDot, theta, thetaDot] = s;
    const force = action === 1 ? C.forceMagnitude : -C.forceMagnitude;
    const cosTheta = Math.cos(theta);
    const sinTheta = Math.sin(theta);
    const temp = (force + C.poleMassLength * thetaDot * thetaDot * sinTheta) / C.totalMass;
    const thetaAcc = (C.gravity * sinTheta - cosTheta * temp)
      / (C.halfPoleLength * (4.0 / 3.0 - (C.massPole * cosTheta * cosTheta) / C.totalMass));
    const xAcc = temp - (C.poleMassLength * thetaAcc * cosTheta) / C.totalMass;
    s[0] = x + C.tau * xDot;
    s[1] = xDot + C.tau * xAcc;
    s[2] = theta + C.tau * thetaDot;
    s[3] = thetaDot + C.tau * thetaAcc;
    const terminated = s[0] < -C.xThreshold || s[0] > C.xThreshold || s[2] < -C.thetaThreshold || s[2] > C.thetaThreshold;
    if (terminated) this.needsReset = true;
    return { observation: this.observe(), reward: 1, terminated, truncated: false, info: {} };
  }

  /** The exact internal state (x, x_dot, theta, theta_dot), for tests and rendering. */
  getState(): Float64Array {
    return this.state.slice();
  }

  render(): { width: number; height: number; rgb: Uint8Array } {
    return renderCartPole(this.state[0], this.state[2], this.frame);
  }

  close(): void {}

  private observe(): Float32Array {
    this.observation.set(this.state);
    return this.observation;
  }
}
