import type { GlobalStore } from './globalStore.js';

/**
 * Where a test may inject faults into an actor-learner. Training calls these hooks at the
 * points named; in production they are NO_FAULTS, which do nothing. The chaos tests select an
 * implementation (src/train/chaos.ts) by module, so production code never loads it.
 */
export interface WorkerFaults {
  /** After the backward pass of the worker's `update`-th update (1-based), before its gradient is applied. */
  afterBackward(update: number, grads: Float32Array, store: GlobalStore): void;
  /** Before chunk `chunk` of a journaled update is applied to the global network. */
  beforeUpdateChunk(chunk: number): void;
}

export const NO_FAULTS: WorkerFaults = {
  afterBackward() {},
  beforeUpdateChunk() {},
};

/**
 * A fault implementation chosen by a test: each worker imports `module` and calls its
 * `createWorkerFaults(plan, rank, seed)`. `maxRestarts` raises the restart limit for runs that
 * inject many crashes.
 */
export interface FaultInjection {
  module: string;
  plan: unknown;
  maxRestarts?: number;
}

/** What a fault module exports. */
export interface FaultModule {
  createWorkerFaults(plan: unknown, rank: number, seed: number): WorkerFaults;
}

let installed: FaultInjection | undefined;

/**
 * Makes every later train() in this process inject these faults (for a process started by a
 * test, e.g. the soak's `node --import chaos.js a3c train ...`); the default is none.
 */
export function installFaultInjection(injection: FaultInjection): void {
  installed = injection;
}

export function installedFaultInjection(): FaultInjection | undefined {
  return installed;
}

/** A worker's fault hooks: NO_FAULTS unless a test selected an implementation. */
export async function loadWorkerFaults(injection: FaultInjection | undefined, rank: number, seed: number): Promise<WorkerFaults> {
  if (!injection) return NO_FAULTS;
  const module = await import(injection.module) as FaultModule;
  return module.createWorkerFaults(injection.plan, rank, seed);
}
