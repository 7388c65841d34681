/**
 * Fault injection for the chaos tests and the soak: the one implementation of WorkerFaults that
 * does something, and the parsing of A3C_CHAOS. Only tests load this module:
 * in-process with `train(config, dir, { faults: chaos({...}) })`, or for a CLI process with
 * `node --import <this file> bin/a3c.js train ...` and A3C_CHAOS set to a FaultPlan as JSON,
 * e.g. {"crash":0.002,"exitInUpdate":0.001,"nanGradient":0.01,"maxRestarts":1000}.
 */
import { isMainThread } from 'node:worker_threads';
import { z } from 'zod';
import { describeIssue } from '../config.js';
import { Rng } from '../nn/rng.js';
import { installFaultInjection, type FaultInjection, type WorkerFaults } from './faults.js';
import { UPDATE_CHUNK, type GlobalStore } from './globalStore.js';

/** Faults an actor-learner injects into itself, each a probability per update (see docs/robustness.md). */
export interface FaultPlan {
  /** Throw an exception (the worker dies with a cause). */
  crash?: number;
  /** Exit the thread in the middle of applying an update to the global network, holding the lock. */
  exitInUpdate?: number;
  /** Make one gradient element NaN. */
  nanGradient?: number;
  /** Write a NaN into the global weights (a bug the numeric guard must catch) at this update. */
  corruptWeightsAtUpdate?: number;
  /** Spin forever (a stuck worker that ignores the stop request) at this update of worker 0. */
  hangAtUpdate?: number;
  seed?: number;
}

const faultPlanSchema = z.object({
  crash: z.number().min(0).max(1).optional(),
  exitInUpdate: z.number().min(0).max(1).optional(),
  nanGradient: z.number().min(0).max(1).optional(),
  corruptWeightsAtUpdate: z.number().int().positive().optional(),
  hangAtUpdate: z.number().int().positive().optional(),
  seed: z.number().int().optional(),
  /** Crashes of one worker within a minute that stop the run (a soak injecting many faults raises it). */
  maxRestarts: z.number().int().positive().optional(),
}).strict();

/** Selects this module's faults for train(). */
export function chaos(plan: FaultPlan, maxRestarts?: number): FaultInjection {
  return { module: import.meta.url, plan, maxRestarts };
}

/** The hooks worker `rank` (seeded `seed`) calls; the fault module interface of faults.ts. */
export function createWorkerFaults(plan: FaultPlan, rank: number, seed: number): WorkerFaults {
  const rng = new Rng((plan.seed ?? 0) ^ seed ^ 0x1b873593);
  const roll = (p: number | undefined) => p !== undefined && p > 0 && rng.uniform(0, 1) < p;
  let exitAtChunk = -1;
  return {
    afterBackward(update: number, grads: Float32Array, store: GlobalStore): void {
      if (roll(plan.crash)) throw new Error(`injected fault: actor-learner ${rank} crashed at its update ${update}`);
      if (roll(plan.nanGradient)) grads[rng.int(0, grads.length - 1)] = Number.NaN;
      if (roll(plan.exitInUpdate)) exitAtChunk = rng.int(0, Math.ceil(grads.length / UPDATE_CHUNK) - 1);
      if (plan.corruptWeightsAtUpdate === update) store.locked(() => { store.params[0] = Number.NaN; });
      if (plan.hangAtUpdate === update && rank === 0) for (;;) { /* stuck: only termination ends this */ }
    },
    beforeUpdateChunk(chunk: number): void {
      if (chunk === exitAtChunk) process.exit(70); // die in the middle of the update
    },
  };
}

/** Parses A3C_CHAOS; a bad value is one line and exit 2, as a bad flag. */
function fromEnvironment(text: string): FaultInjection {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch { return usage('A3C_CHAOS: not JSON (e.g. {"crash":0.001})'); }
  const parsed = faultPlanSchema.safeParse(raw);
  if (!parsed.success) return usage(`A3C_CHAOS: ${describeIssue(parsed.error, raw)}`);
  const { maxRestarts, ...plan } = parsed.data;
  return chaos(plan, maxRestarts);
}

function usage(message: string): never {
  process.stderr.write(`a3c: ${message}\n`);
  process.exit(2);
}

// Preloaded into a CLI process (workers inherit the preload, but only the main thread's train() reads it).
if (isMainThread && process.env.A3C_CHAOS) installFaultInjection(fromEnvironment(process.env.A3C_CHAOS));
