import { test } from 'node:test';
import assert from 'node:assert/strict';
import { a3cLoss } from '../../src/train/a3cLoss.js';

test('A3C loss value and head gradient on a hand-computed case', () => {
  // Two actions, logits (0, ln 3) -> pi = (0.25, 0.75); value 1; return 3 -> adv = 2; action 1.
  const head = Float32Array.from([0, Math.log(3), 1]);
  const grad = new Float32Array(3);
  const stats = a3cLoss(head, 2, [1], [3], 1, 0.01, grad, new Float64Array(2));
  const eps = 1e-10;
  const negEntropy = 0.25 * Math.log(0.25 + eps) + 0.75 * Math.log(0.75 + eps);
  const actor = -Math.log(0.75 + eps) * 2 + 0.01 * negEntropy;
  const critic = 0.5 * 2 * 2;
  assert.ok(Math.abs(stats.critic - critic) < 1e-9);
  assert.ok(Math.abs(stats.actor - actor) < 1e-6, `${stats.actor} vs ${actor}`);
  assert.ok(Math.abs(stats.total - (0.5 * critic + actor)) < 1e-6);
  assert.ok(Math.abs(stats.entropy + negEntropy) < 1e-6);
  assert.ok(Math.abs(stats.meanMaxProb - 0.75) < 1e-6);
  // d/dV (0.25 adv^2) = -0.5 adv = -1
  assert.ok(Math.abs(grad[2] - -1) < 1e-7);
  // cross-entropy part: -adv * (onehot - pi) = -2 * (-0.25, 0.25) = (0.5, -0.5)
  // entropy part: 0.01 * pi_j * (u_j - sum pi u), u = log pi + 1 (eps negligible)
  const u = [Math.log(0.25) + 1, Math.log(0.75) + 1];
  const mean = 0.25 * u[0] + 0.75 * u[1];
  const expected = [0.5 + 0.01 * 0.25 * (u[0] - mean), -0.5 + 0.01 * 0.75 * (u[1] - mean)];
  assert.ok(Math.abs(grad[0] - expected[0]) < 1e-6, `${grad[0]} vs ${expected[0]}`);
  assert.ok(Math.abs(grad[1] - expected[1]) < 1e-6, `${grad[1]} vs ${expected[1]}`);
});

test('given advantages drive the actor and the returns the critic', () => {
  // Same head as above (pi = (0.25, 0.75), V = 1), return 3 but advantage 0.5.
  const head = Float32Array.from([0, Math.log(3), 1]);
  const withAdvantage = new Float32Array(3);
  const stats = a3cLoss(head, 2, [1], [3], 1, 0, withAdvantage, new Float64Array(2), [0.5]);
  assert.ok(Math.abs(stats.critic - 2) < 1e-9, 'critic: 0.5 (R - V)^2 with R - V = 2');
  assert.ok(Math.abs(stats.policyGradient - -Math.log(0.75) * 0.5) < 1e-6);
  assert.ok(Math.abs(withAdvantage[2] - -1) < 1e-7, 'value gradient from R - V, not from the advantage');
  // cross-entropy part: -A * (onehot - pi) = -0.5 * (-0.25, 0.25)
  assert.ok(Math.abs(withAdvantage[0] - 0.125) < 1e-7 && Math.abs(withAdvantage[1] - -0.125) < 1e-7);
  // Advantages equal to R - V give exactly what the default (none given) gives.
  const implicit = new Float32Array(3), explicit = new Float32Array(3);
  const a = a3cLoss(head, 2, [1], [3], 1, 0.01, implicit, new Float64Array(2));
  const b = a3cLoss(head, 2, [1], [3], 1, 0.01, explicit, new Float64Array(2), [3 - 1]);
  assert.deepEqual([...explicit], [...implicit]);
  assert.equal(b.total, a.total);
});
