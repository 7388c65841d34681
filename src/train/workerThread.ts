/**
 * Entry point of one actor-learner thread. Receives its rank, the run config and the shared
 * buffers; builds its own environment and local network; reports episodes to the coordinator.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { TrainConfig } from '../config.js';
import { makeAgentSetup } from '../presets.js';
import { ActorLearner } from './actorLearner.js';
import { GlobalStore, type GlobalBuffers } from './globalStore.js';

export interface WorkerInput {
  rank: number;
  config: TrainConfig;
  buffers: GlobalBuffers;
}

export type WorkerMessage =
  | { type: 'episode'; record: import('./actorLearner.js').EpisodeRecord }
  | { type: 'timings'; rank: number; timings: import('./actorLearner.js').LoopTimings }
  | { type: 'error'; rank: number; message: string; stack?: string };

const input = workerData as WorkerInput;
const port = parentPort!;
try {
  const store = new GlobalStore(input.buffers);
  const { env, net, preset } = makeAgentSetup(input.config, input.config.seed + input.rank, 'train');
  const learner = new ActorLearner({
    rank: input.rank, config: input.config, store, env, net,
    actionAfterLifeLoss: preset.actionAfterLifeLoss,
    onEpisode: (record) => port.postMessage({ type: 'episode', record } satisfies WorkerMessage),
  });
  learner.run();
  env.close();
  port.postMessage({ type: 'timings', rank: input.rank, timings: learner.timings } satisfies WorkerMessage);
} catch (error) {
  const e = error instanceof Error ? error : new Error(String(error));
  port.postMessage({ type: 'error', rank: input.rank, message: e.message, stack: e.stack } satisfies WorkerMessage);
  process.exitCode = 1;
}
