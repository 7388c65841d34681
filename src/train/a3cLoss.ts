import { softmax } from '../nn/activations.js';

/**
 * The A3C loss exactly as the reference (rlcode's Keras Breakout A3C) computes it, with its
 * gradient with respect to the network head. The head is fused: each row holds the policy
 * logits for `numActions` actions followed by the state value. The returns and advantages it
 * learns from come from `returns.ts`.
 */

export interface LossStats {
  total: number;
  /** sum(-log(pi(a)+1e-10) * A) + entropyCoef * sum(pi log pi) */
  actor: number;
  /** sum(-log(pi(a)+1e-10) * A): the policy-gradient term of `actor`, without the entropy bonus. */
  policyGradient: number;
  /** 0.5 * sum((R - V)^2) */
  critic: number;
  /** mean over rows of -sum(pi log pi): the policy entropy, positive. */
  entropy: number;
  /** mean over rows of max(pi). */
  meanMaxProb: number;
}

const LOG_EPS = 1e-10;

/**
 * Loss = 0.5 * critic + actor over `rows` rows, where
 * critic = 0.5 * sum((R - V)^2) (R: `returns`, the critic's targets),
 * actor = sum(-log(pi(a) + 1e-10) * stopgrad(A)) + entropyCoef * sum(pi * log(pi + 1e-10)),
 * with A the `advantages` (GAE, say), or R - V when none are given (the book's n-step advantage).
 * Writes dLoss/dHead into `headGrad` (same layout as `head`) and returns the loss terms.
 */
export function a3cLoss(
  head: Float32Array, numActions: number, actions: ArrayLike<number>, returns: ArrayLike<number>,
  rows: number, entropyCoef: number, headGrad: Float32Array, probs: Float64Array, advantages?: ArrayLike<number>,
): LossStats {
  const stride = numActions + 1;
  let actor = 0, policyGradient = 0, critic = 0, entropy = 0, maxProbSum = 0;
  for (let t = 0; t < rows; t++) {
    const row = t * stride;
    softmax(head, row, numActions, probs, 0); // in double precision
    let maxProb = 0;
    for (let j = 0; j < numActions; j++) maxProb = Math.max(maxProb, probs[j]);
    maxProbSum += maxProb;

    const value = head[row + numActions];
    const criticError = returns[t] - value;
    critic += 0.5 * criticError * criticError;
    const advantage = advantages ? advantages[t] : criticError;

    const action = actions[t];
    const p = probs[action];
    const gradientTerm = -Math.log(p + LOG_EPS) * advantage;
    policyGradient += gradientTerm;
    actor += gradientTerm;

    // sum(pi log(pi+eps)) and the pieces of its gradient
    let negEntropy = 0;
    let weighted = 0; // sum_i pi_i * u_i with u_i = log(pi_i+eps) + pi_i/(pi_i+eps)
    for (let i = 0; i < numActions; i++) {
      const pi = probs[i];
      negEntropy += pi * Math.log(pi + LOG_EPS);
      weighted += pi * (Math.log(pi + LOG_EPS) + pi / (pi + LOG_EPS));
    }
    actor += entropyCoef * negEntropy;
    entropy -= negEntropy;

    const crossScale = -advantage * p / (p + LOG_EPS);
    for (let j = 0; j < numActions; j++) {
      const pj = probs[j];
      const u = Math.log(pj + LOG_EPS) + pj / (pj + LOG_EPS);
      const crossGrad = crossScale * ((j === action ? 1 : 0) - pj);
      headGrad[row + j] = crossGrad + entropyCoef * pj * (u - weighted);
    }
    // d(0.5 * 0.5 * (R - V)^2)/dV = -0.5 * (R - V)
    headGrad[row + numActions] = -0.5 * criticError;
  }
  return {
    total: 0.5 * critic + actor,
    actor,
    policyGradient,
    critic,
    entropy: rows > 0 ? entropy / rows : 0,
    meanMaxProb: rows > 0 ? maxProbSum / rows : 0,
  };
}
