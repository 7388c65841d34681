/**
 * Gymnasium-style environment interface. Observations may be views into buffers the
 * environment reuses: they stay valid until the next `step` or `reset` (copy to keep them).
 */

export interface BoxSpace {
  kind: 'box';
  shape: number[];
  low: number;
  high: number;
}

export interface DiscreteSpace {
  kind: 'discrete';
  n: number;
  /** Human-readable action names, e.g. ['FIRE', 'RIGHT', 'LEFT']. */
  names?: string[];
}

export interface EnvInfo {
  /** Lives left (Atari games). */
  lives?: number;
  /** Raw emulator/game frames since reset (Atari games). */
  frame?: number;
  /** True on the step a life was lost without the episode ending (episodic-life semantics). */
  lifeLost?: boolean;
  /** Unclipped game score of this step when a wrapper clipped `reward` for learning. */
  rawReward?: number;
  [key: string]: unknown;
}

export interface ResetOptions {
  /** Re-seeds the environment's generator; later resets without a seed continue its stream. */
  seed?: number;
}

export interface ResetResult<Obs> {
  observation: Obs;
  info: EnvInfo;
}

export interface StepResult<Obs> {
  observation: Obs;
  reward: number;
  /** The episode reached a terminal state: do not bootstrap. */
  terminated: boolean;
  /** The episode was cut off (time limit): bootstrap from the value of `observation`. */
  truncated: boolean;
  info: EnvInfo;
}

export interface Env<Obs = Float32Array> {
  readonly observationSpace: BoxSpace;
  readonly actionSpace: DiscreteSpace;
  reset(options?: ResetOptions): ResetResult<Obs>;
  step(action: number): StepResult<Obs>;
  /** RGB frame [height, width, 3] of the current state, for recording and dashboards. */
  render?(): { width: number; height: number; rgb: Uint8Array };
  close(): void;
}

/** Throws a one-line error if `action` is not an integer in [0, n). */
export function checkAction(action: number, space: DiscreteSpace, envName: string): void {
  if (!Number.isInteger(action) || action < 0 || action >= space.n) {
    throw new RangeError(`${envName}: action ${action} is outside the action space [0, ${space.n})`);
  }
}
