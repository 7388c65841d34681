/**
 * Entry point of one actor-learner thread. Receives its rank, seed, the run config and the
 * shared buffers; builds its own environment and local network; reports episodes (and, for the
 * dashboard's live view, a copy of its screen now and then) to the coordinator. Given a batch
 * (`--envs-per-thread` K > 1), it hosts K actor-learners instead, acting together (BatchedActors).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { TrainConfig } from '../config.js';
import type { RgbImage } from '../io/png.js';
import { buildAgent, importAgentFactory } from './agentFactory.js';
import { ActorLearner, type EpisodeRecord, type LoopTimings } from './actorLearner.js';
import { loadWorkerFaults, type FaultInjection } from './faults.js';
import { buildActorCritic } from '../agents/networks.js';
import { BatchedActors, batchRows } from './batchedActors.js';
import { GlobalStore, type GlobalBuffers } from './globalStore.js';

export interface WorkerInput {
  rank: number;
  /** Seeds the environment and the action sampling. */
  seed: number;
  config: TrainConfig;
  /** The module whose `agentFactory` builds this run's environment and network. */
  agentsModule: string;
  buffers: GlobalBuffers;
  /** Post the rendered screen at most this often (0: never). */
  liveFrameEveryMs: number;
  /** The fault implementation a chaos test selected (none in training). */
  faults?: FaultInjection;
  /**
   * The actor-learners this thread hosts together when the run has several per thread; then
   * `rank` is the thread's index (its lock id, arena and gradient slot) and each learner has its own rank and seed.
   */
  batch?: { rank: number; seed: number }[];
}

export type WorkerMessage =
  | { type: 'episode'; record: EpisodeRecord }
  | { type: 'frame'; frame: RgbImage }
  | { type: 'timings'; rank: number; timings: LoopTimings }
  | { type: 'error'; rank: number; message: string; stack?: string };

const input = workerData as WorkerInput;
const port = parentPort!;
try {
  if (input.batch) await runBatch(input, input.batch);
  else await runSingle();
} catch (error) {
  const e = error instanceof Error ? error : new Error(String(error));
  port.postMessage({ type: 'error', rank: input.rank, message: e.message, stack: e.stack } satisfies WorkerMessage);
  process.exitCode = 1;
}

/** One actor-learner in this thread (the engine's loop since the start). */
async function runSingle(): Promise<void> {
  const faults = await loadWorkerFaults(input.faults, input.rank, input.seed);
  const store = new GlobalStore(input.buffers, input.rank + 1, faults);
  const agents = await importAgentFactory(input.agentsModule);
  const { env, net, actionAfterLifeLoss } = buildAgent(agents, input.config, input.seed, 'train', undefined, store.arenaRegion(input.rank));
  const learner = new ActorLearner({
    rank: input.rank, seed: input.seed, config: input.config, store, env, net,
    actionAfterLifeLoss, faults,
    onEpisode: (record) => port.postMessage({ type: 'episode', record } satisfies WorkerMessage),
  });
  const render = input.liveFrameEveryMs > 0 && env.render ? env.render.bind(env) : null;
  let lastFrame = 0;
  while (!store.stopRequested) {
    learner.rolloutAndUpdate();
    if (render && performance.now() - lastFrame >= input.liveFrameEveryMs) {
      lastFrame = performance.now();
      const { width, height, rgb } = render();
      port.postMessage({ type: 'frame', frame: { width, height, rgb: rgb.slice() } } satisfies WorkerMessage);
    }
  }
  env.close();
  port.postMessage({ type: 'timings', rank: input.rank, timings: withLockTimes(learner.timings, store) } satisfies WorkerMessage);
}

/** Several actor-learners in this thread, acting with one batched forward pass. */
async function runBatch(input: WorkerInput, batch: { rank: number; seed: number }[]): Promise<void> {
  const { config } = input;
  const agents = await importAgentFactory(input.agentsModule);
  let actors: BatchedActors | null = null;
  const store = new GlobalStore(input.buffers, input.rank + 1, { beforeUpdateChunk: (chunk) => actors?.beforeUpdateChunk(chunk) });
  const learners = [];
  for (const { rank, seed } of batch) {
    learners.push({ rank, seed, env: agents.makeEnv(config, seed, 'train'), faults: await loadWorkerFaults(input.faults, rank, seed) });
  }
  const spec = agents.networkSpec(config, learners[0].env.actionSpace.n);
  const net = buildActorCritic(spec, batchRows(config.tMax, batch.length, spec.kind === 'lstm'), undefined, config.kernels, store.arenaRegion(input.rank));
  actors = new BatchedActors({
    config, store, learners, net, slot: input.rank, actionAfterLifeLoss: agents.actionAfterLifeLoss(config),
    onEpisode: (record) => port.postMessage({ type: 'episode', record } satisfies WorkerMessage),
  });
  const env = actors.firstEnv;
  const render = input.liveFrameEveryMs > 0 && env.render ? env.render.bind(env) : null;
  let lastFrame = 0;
  while (!store.stopRequested) {
    actors.step();
    if (render && performance.now() - lastFrame >= input.liveFrameEveryMs) {
      lastFrame = performance.now();
      const { width, height, rgb } = render();
      port.postMessage({ type: 'frame', frame: { width, height, rgb: rgb.slice() } } satisfies WorkerMessage);
    }
  }
  for (const learner of learners) learner.env.close();
  port.postMessage({ type: 'timings', rank: input.rank, timings: withLockTimes(actors.timings, store) } satisfies WorkerMessage);
}

/** The loop's timings with the thread's time waiting for and holding the update lock. */
function withLockTimes(timings: LoopTimings, store: GlobalStore): LoopTimings {
  return { ...timings, lockWaitMs: store.lockTimes.waitMs, lockHoldMs: store.lockTimes.holdMs };
}
