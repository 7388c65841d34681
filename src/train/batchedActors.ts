import type { Env } from '../envs/env.js';
import type { TrainConfig } from '../config.js';
import { clipScale } from '../nn/optimizers.js';
import { Rng } from '../util/rng.js';
import { softmax } from '../nn/activations.js';
import type { Sequential } from '../nn/sequential.js';
import { isRecurrent } from '../nn/lstm.js';
import { a3cLoss } from './a3cLoss.js';
import { rolloutTargets } from './returns.js';
import { optimizerSettings } from './learningRate.js';
import { NO_FAULTS, type WorkerFaults } from './faults.js';
import type { GlobalStore } from './globalStore.js';
import { applyToGlobal, countEpisode, type EpisodeRecord, type GlobalUpdateTarget, type LoopTimings } from './actorLearner.js';

/** Rows a batched thread's network needs: K to act together, tMax + 1 to replay a rollout and its bootstrap state. */
export function batchRows(tMax: number, learners: number): number {
  return Math.max(learners, tMax + 1);
}

/** The actor-learners of a run in threads: K per thread (the last may hold fewer), as ranks. */
export function threadRanks(workers: number, envsPerThread: number): number[][] {
  const threads: number[][] = [];
  for (let first = 0; first < workers; first += envsPerThread) {
    threads.push(Array.from({ length: Math.min(envsPerThread, workers - first) }, (_, i) => first + i));
  }
  return threads;
}

/** One actor-learner of a batched thread: its rank, seed, environment and fault hooks. */
export interface BatchedLearnerOptions {
  rank: number;
  /** Seeds its action sampling and its environment's first reset (seed + rank, as an unbatched learner). */
  seed: number;
  env: Env;
  faults?: WorkerFaults;
}

export interface BatchedActorsOptions {
  config: TrainConfig;
  store: GlobalStore;
  learners: BatchedLearnerOptions[];
  /**
   * The thread's one local network, with maxBatch >= max(learners, tMax + 1): rows 0..K-1 act,
   * rows 0..n hold a replayed rollout and its bootstrap state. A recurrent network's state is
   * kept per learner and swapped in for that learner's row.
   */
  net: Sequential;
  /** Gradient slot for Hogwild updates of a network outside the shared memory (the thread's index). */
  slot: number;
  actionAfterLifeLoss?: number;
  onEpisode?: (record: EpisodeRecord) => void;
}

/** What one actor-learner of the batch owns: its environment, its rollout so far and its episode's statistics. */
class LearnerState {
  readonly rng: Rng;
  readonly faults: WorkerFaults;
  /** The rollout's states, tMax rows of the network's input. */
  readonly states: Float32Array;
  readonly actions: Int32Array;
  readonly rewards: Float64Array;
  /** Steps in the rollout so far. */
  steps = 0;
  /** A recurrent network's state for this learner while it acts, and as its rollout began (empty for feed-forward nets). */
  readonly recurrentState: Float32Array;
  readonly rolloutStartState: Float32Array;
  observation: Float32Array | null = null;
  forcedAction = -1;
  seeded = false;
  updates = 0;
  episodeReturn = 0;
  episodeLength = 0;
  episodeMaxProbSum = 0;
  episodeLoss = { policyGradient: 0, value: 0, entropy: 0, updates: 0 };

  constructor(readonly o: BatchedLearnerOptions, tMax: number, inputSize: number, stateSize: number) {
    this.recurrentState = new Float32Array(stateSize);
    this.rolloutStartState = new Float32Array(stateSize);
    this.rng = new Rng(o.seed ^ 0x5bd1e995); // the unbatched learner's stream for the same seed
    this.faults = o.faults ?? NO_FAULTS;
    this.states = new Float32Array(tMax * inputSize);
    this.actions = new Int32Array(tMax);
    this.rewards = new Float64Array(tMax);
  }
}

/** How a learner's rollout ended: not yet, or with the next state's value bootstrapped or not. */
type RolloutEnd = 'running' | 'bootstrap' | 'terminal';

/**
 * K actor-learners in one thread (`--envs-per-thread K`). Each lockstep step runs ONE forward
 * pass over K rows (one per learner), samples K actions and steps K environments, so the
 * network's weights stream through the cache once per K agent steps. Each learner keeps its own
 * environment, rollout, returns and asynchronous update: when its rollout ends (tMax steps, a
 * terminal state, a lost life, the stop) it replays its rollout's states through the same
 * network at the current local weights (forward over rows 0..n, the bootstrap state in row n),
 * backpropagates rows 0..n-1 and applies that gradient to the global network at once, while the
 * thread's other learners wait. The new global weights are the thread's local weights from then
 * on, for every learner: see docs/batched-acting.md for what that changes against one thread
 * per actor-learner. A recurrent network (the LSTM) keeps one state per learner: its layers
 * before and after the recurrent one still run over the K rows at once, the recurrent layer row
 * by row with each learner's state swapped in; the replay starts from the state the learner's
 * rollout began with.
 */
export class BatchedActors {
  private readonly o: BatchedActorsOptions;
  private readonly learners: LearnerState[];
  private readonly numActions: number;
  private readonly stride: number;
  private readonly inputSize: number;
  private readonly returns: Float64Array;
  private readonly values: Float64Array;
  private readonly advantages: Float64Array;
  private readonly headGrad: Float32Array;
  private readonly probs: Float64Array;
  /** Where updates go: the global store, with the optimizer and the local network they refresh. */
  private readonly globalUpdate: GlobalUpdateTarget;
  /** The learner whose update is being applied, for the store's fault hook. */
  private updating: LearnerState | null = null;
  readonly timings: LoopTimings = { envMs: 0, forwardMs: 0, updateMs: 0, lockWaitMs: 0, lockHoldMs: 0, steps: 0, updates: 0 };

  constructor(options: BatchedActorsOptions) {
    this.o = options;
    const { config, net, learners } = options;
    const k = learners.length;
    if (k < 1) throw new Error('a batch needs at least one actor-learner');
    if (net.maxBatch < Math.max(k, config.tMax + 1)) throw new Error(`network batch ${net.maxBatch} < max(${k} learners, tMax + 1 = ${config.tMax + 1})`);
    this.numActions = net.outputSize - 1;
    this.stride = net.outputSize;
    this.inputSize = net.inputSize;
    this.learners = learners.map((l) => new LearnerState(l, config.tMax, this.inputSize, net.stateSize));
    this.returns = new Float64Array(config.tMax);
    this.values = new Float64Array(config.tMax);
    this.advantages = new Float64Array(config.tMax);
    this.headGrad = new Float32Array(net.maxBatch * this.stride);
    this.probs = new Float64Array(this.numActions);
    this.globalUpdate = { store: options.store, net, optimizer: optimizerSettings(config), config, slot: options.slot };
    options.store.locked(() => net.params.set(options.store.params)); // a whole copy, never a half-applied update
  }

  /** The fault hook of the update in progress (the store calls it before each chunk). */
  beforeUpdateChunk(chunk: number): void {
    this.updating?.faults.beforeUpdateChunk(chunk);
  }

  /** The environment of the batch's first learner (the dashboard's live screen). */
  get firstEnv(): Env { return this.learners[0].o.env; }

  /**
   * One step of every learner: one forward pass over their K states, K actions, K environment
   * steps; each learner whose rollout ended updates the global network before the next learner steps.
   * After the stop request every learner with a partial rollout makes its last update.
   */
  step(): void {
    const { net, store } = this.o;
    const learners = this.learners;
    const k = learners.length;
    const inputSize = this.inputSize;
    const timings = this.timings;
    const t0 = performance.now();
    for (let i = 0; i < k; i++) {
      const learner = learners[i];
      if (learner.observation === null) this.startEpisode(learner);
      if (learner.steps === 0) learner.rolloutStartState.set(learner.recurrentState);
      net.input.set(learner.observation!, i * inputSize);
      learner.states.set(learner.observation!, learner.steps * inputSize);
    }
    if (net.stateSize === 0) net.forward(0, k);
    else this.forwardWithLearnerStates(k);
    // Every action is drawn before any update overwrites the network's rows.
    for (let i = 0; i < k; i++) {
      const learner = learners[i];
      let action = this.sampleAction(learner, i);
      if (learner.forcedAction >= 0) {
        action = learner.forcedAction;
        learner.forcedAction = -1;
      }
      learner.actions[learner.steps] = action;
    }
    timings.forwardMs += performance.now() - t0;
    for (let i = 0; i < k; i++) {
      const learner = learners[i];
      const t1 = performance.now();
      const result = learner.o.env.step(learner.actions[learner.steps]);
      timings.envMs += performance.now() - t1;
      learner.episodeReturn += result.info.rawReward ?? result.reward;
      learner.episodeLength++;
      learner.rewards[learner.steps] = result.reward; // already clipped by the env's ClipReward where the preset asks
      learner.steps++;
      learner.observation = result.observation;
      let end: RolloutEnd = 'running';
      let episodeEnded = false;
      if (result.terminated || result.truncated) {
        episodeEnded = true;
        end = result.terminated ? 'terminal' : 'bootstrap';
      } else if (result.info.lifeLost) {
        // "Dead": the rollout ends here, bootstrapped across lives unless lives are terminal (as ActorLearner).
        end = this.o.config.lifeLossTerminal ? 'terminal' : 'bootstrap';
        if (this.o.config.lifeLossTerminal) learner.recurrentState.fill(0); // the next rollout starts afresh, as ActorLearner's
        if (this.o.actionAfterLifeLoss !== undefined) learner.forcedAction = this.o.actionAfterLifeLoss;
      } else if (learner.steps === this.o.config.tMax || store.stopRequested) {
        end = 'bootstrap';
      }
      if (end !== 'running') this.update(learner, end === 'bootstrap', episodeEnded);
    }
    if (store.stopRequested) {
      for (const learner of learners) if (learner.steps > 0) this.update(learner, true, false);
    }
  }

  /**
   * The learner's update: its rollout replayed through the network at the current local
   * weights, the n-step (or GAE) targets from those values, the loss gradient, clipped and
   * applied to the global network; the new global weights become the thread's local ones.
   */
  private update(learner: LearnerState, bootstrap: boolean, episodeEnded: boolean): void {
    const { net, config, store } = this.o;
    const start = performance.now();
    const steps = learner.steps;
    const inputSize = this.inputSize;
    net.input.set(learner.states.subarray(0, steps * inputSize), 0);
    if (net.stateSize > 0) net.writeState(learner.rolloutStartState); // rows are time steps from the rollout's first state
    if (bootstrap) net.input.set(learner.observation!, steps * inputSize); // V(s_n) in row n, never part of the backward pass
    net.forward(0, bootstrap ? steps + 1 : steps);
    const bootstrapValue = bootstrap ? net.output[steps * this.stride + this.numActions] : 0;
    for (let t = 0; t < steps; t++) this.values[t] = net.output[t * this.stride + this.numActions];
    rolloutTargets({ rewards: learner.rewards, values: this.values, count: steps, bootstrapValue, gamma: config.gamma, gaeLambda: config.gaeLambda }, this.returns, this.advantages);
    const stats = a3cLoss(net.output, this.numActions, learner.actions, this.returns, steps, config.entropyCoef, this.headGrad, this.probs, this.advantages);
    net.backward(this.headGrad, 0, steps); // overwrites net.grads
    learner.updates++;
    learner.faults.afterBackward(learner.updates, net.grads, store);
    const norm = Math.sqrt(net.kernels.sumSquares(net.grads.length, net.grads, 0));
    this.updating = learner;
    try {
      applyToGlobal(this.globalUpdate, steps, clipScale(norm, config.clipNorm), Number.isFinite(norm) && Number.isFinite(stats.total));
    } finally {
      this.updating = null;
    }
    learner.steps = 0;
    this.timings.updateMs += performance.now() - start;
    this.timings.steps += steps;
    this.timings.updates++;
    learner.episodeLoss.policyGradient += stats.policyGradient;
    learner.episodeLoss.value += stats.critic;
    learner.episodeLoss.entropy += stats.entropy;
    learner.episodeLoss.updates++;
    if (episodeEnded) this.finishEpisode(learner);
  }

  /**
   * The acting forward of a recurrent network: the layers around the recurrent ones over the K
   * rows at once, each recurrent layer one row (one learner) at a time from that learner's state.
   */
  private forwardWithLearnerStates(k: number): void {
    const net = this.o.net;
    let input = net.input;
    let stateOffset = 0;
    for (const layer of net.layers) {
      if (isRecurrent(layer)) {
        for (let i = 0; i < k; i++) {
          const state = this.learners[i].recurrentState;
          layer.writeState(state, stateOffset);
          layer.forward(input, i, 1);
          layer.readState(state, stateOffset);
        }
        stateOffset += layer.stateSize;
      } else {
        layer.forward(input, 0, k);
      }
      input = layer.output;
    }
  }

  private sampleAction(learner: LearnerState, row: number): number {
    softmax(this.o.net.output, row * this.stride, this.numActions, this.probs, 0);
    let maxProb = 0;
    for (let j = 0; j < this.numActions; j++) if (this.probs[j] > maxProb) maxProb = this.probs[j];
    learner.episodeMaxProbSum += maxProb;
    return learner.rng.categorical(this.probs, 0, this.numActions);
  }

  private startEpisode(learner: LearnerState): void {
    // Seed once; later episodes continue the environment's own random stream.
    const reset = learner.o.env.reset(learner.seeded ? {} : { seed: learner.o.seed });
    learner.seeded = true;
    learner.observation = reset.observation;
    learner.forcedAction = -1;
    learner.recurrentState.fill(0);
  }

  private finishEpisode(learner: LearnerState): void {
    const { store } = this.o;
    const record = countEpisode(store, learner.o.rank, { score: learner.episodeReturn, length: learner.episodeLength, maxProbSum: learner.episodeMaxProbSum, loss: learner.episodeLoss });
    this.o.onEpisode?.(record);
    learner.episodeReturn = 0;
    learner.episodeLength = 0;
    learner.episodeMaxProbSum = 0;
    learner.episodeLoss = { policyGradient: 0, value: 0, entropy: 0, updates: 0 };
    learner.observation = null; // the next step starts a new episode
  }
}
