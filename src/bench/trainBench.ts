import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTrainConfig } from '../runConfig.js';
import { train } from '../presetEngine.js';

export interface TrainBenchResult {
  env: string;
  net: string;
  kernels: string;
  workers: number;
  /** Actor-learners per thread (--envs-per-thread): threads = workers / this, rounded up. */
  envs_per_thread: number;
  seconds: number;
  agent_steps_per_s: number;
  updates_per_s: number;
  /** Shares of the workers' loop time (batched: forward is the K-row acting pass; update includes the rollout's replay forward). */
  share_env: number;
  share_forward: number;
  share_update: number;
}

/** Runs the real training loop for `seconds` in a temporary directory and reports throughput. */
export async function benchTrain(envId: string, workers: number, seconds: number, net?: string, kernels?: 'js' | 'wasm', envsPerThread = 1): Promise<TrainBenchResult> {
  const config = buildTrainConfig(envId, { workers, envsPerThread, seed: 0, maxSeconds: seconds, net, kernels, targetReturn: null });
  const dir = mkdtempSync(join(tmpdir(), 'a3c-bench-'));
  try {
    const summary = await train(config, dir);
    const t = summary.timings;
    const total = t.envMs + t.forwardMs + t.updateMs || 1;
    return {
      env: config.env, net: config.net, kernels: config.kernels, workers, envs_per_thread: config.envsPerThread, seconds: summary.seconds,
      agent_steps_per_s: summary.globalSteps / summary.seconds,
      updates_per_s: summary.updates / summary.seconds,
      share_env: t.envMs / total, share_forward: t.forwardMs / total, share_update: t.updateMs / total,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
