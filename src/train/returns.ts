/**
 * What a rollout teaches: the critic's targets (returns) and the actor's advantages, from the
 * rollout's rewards, the values the network gave its states, and the value of the state after
 * it (0 when the rollout ended in a terminal state).
 *
 * Without lambda these are the book's (and the A3C paper's) n-step estimates: R_t = r_t + gamma
 * * R_{t+1} from R_n = bootstrap, and A_t = R_t - V(s_t). With lambda, the advantages are
 * GAE(lambda) (Schulman et al. 2016): A_t = sum_k (gamma lambda)^k delta_{t+k}, delta_t = r_t +
 * gamma V(s_{t+1}) - V(s_t); the critic still learns the n-step return R_t, as
 * ikostrikov/pytorch-a3c and openai/universe-starter-agent do (lambda 1 gives the n-step
 * advantages again).
 */

/**
 * n-step discounted returns, computed backwards: R_t = r_t + gamma * R_{t+1}, with
 * R_n = bootstrapValue (V(s_n), or 0 when the rollout ended in a terminal state).
 */
export function nStepReturns(
  rewards: ArrayLike<number>, count: number, bootstrapValue: number, gamma: number, out: Float64Array,
): void {
  let running = bootstrapValue;
  for (let t = count - 1; t >= 0; t--) {
    running = rewards[t] + gamma * running;
    out[t] = running;
  }
}

/** A_t = R_t - V(s_t): the n-step advantages (the book's). */
export function nStepAdvantages(returns: ArrayLike<number>, values: ArrayLike<number>, count: number, out: Float64Array): void {
  for (let t = 0; t < count; t++) out[t] = returns[t] - values[t];
}

/**
 * GAE(lambda) advantages, computed backwards: A_t = delta_t + gamma * lambda * A_{t+1}, where
 * delta_t = r_t + gamma * V(s_{t+1}) - V(s_t) and V(s_n) = bootstrapValue. lambda 0 gives the
 * one-step TD errors, lambda 1 the n-step advantages.
 */
export function gaeAdvantages(
  rewards: ArrayLike<number>, values: ArrayLike<number>, count: number, bootstrapValue: number,
  gamma: number, lambda: number, out: Float64Array,
): void {
  let running = 0;
  let nextValue = bootstrapValue;
  for (let t = count - 1; t >= 0; t--) {
    const delta = rewards[t] + gamma * nextValue - values[t];
    running = delta + gamma * lambda * running;
    out[t] = running;
    nextValue = values[t];
  }
}

export interface RolloutTargets {
  rewards: ArrayLike<number>;
  /** V(s_t) for each of the rollout's states, as the network gave them when acting. */
  values: ArrayLike<number>;
  count: number;
  /** V(s_n) after the rollout, or 0 when it ended in a terminal state. */
  bootstrapValue: number;
  gamma: number;
  /** null: n-step advantages (the book); a number in [0, 1]: GAE(lambda). */
  gaeLambda: number | null;
}

/** The critic's targets into `returns` and the actor's advantages into `advantages`. */
export function rolloutTargets(r: RolloutTargets, returns: Float64Array, advantages: Float64Array): void {
  nStepReturns(r.rewards, r.count, r.bootstrapValue, r.gamma, returns);
  if (r.gaeLambda === null) nStepAdvantages(returns, r.values, r.count, advantages);
  else gaeAdvantages(r.rewards, r.values, r.count, r.bootstrapValue, r.gamma, r.gaeLambda, advantages);
}
