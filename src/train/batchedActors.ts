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
import { applyToGlobal, countEpisode, refreshLocalWeights, type EpisodeRecord, type GlobalUpdateTarget, type LoopTimings } from './actorLearner.js';

/**
 * Rows a batched thread's network needs. A feed-forward network keeps every learner's round:
 * K blocks of tMax rows, then K rows to act in. A recurrent one replays each rollout: rows for
 * K to act together and for tMax + 1 to replay (the last for the bootstrap state).
 */
export function batchRows(tMax: number, learners: number, recurrent: boolean): number {
  return recurrent ? Math.max(learners, tMax + 1) : learners * (tMax + 1);
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

/** The part of one learner's round that one update learns from: round steps [start, end). */
interface Segment {
  start: number;
  end: number;
  /** False when the segment ends in a terminal state (no value after it). */
  bootstrap: boolean;
  /**
   * The state whose value is bootstrapped when it is not the round's next row (the segment that
   * the round's end cuts, or an episode cut by its time limit); null: the state of row `end`.
   */
  bootstrapObservation: Float32Array | null;
  /** Its value, once computed (feed-forward networks, from a forward at the round's weights). */
  bootstrapValue: number;
  /** The episode the segment ended, if it ended one (the losses come with the update). */
  episode: { score: number; length: number; maxProbSum: number } | null;
}

/** What one actor-learner of the batch owns: its environment, its round so far and its episode's statistics. */
class LearnerState {
  readonly rng: Rng;
  readonly faults: WorkerFaults;
  /** A recurrent network's inputs of the round (tMax + 1 rows, replayed at its end); empty when the network keeps them. */
  readonly states: Float32Array;
  /** Indexed by the round's step. */
  readonly actions: Int32Array;
  readonly rewards: Float64Array;
  /** The round's segments that have ended, in order, and the step where the open one began. */
  readonly segments: Segment[] = [];
  segmentStart = 0;
  /** A recurrent network's state for this learner while it acts (empty for feed-forward nets). */
  readonly recurrentState: Float32Array;
  /** The recurrent state at the start of each of the round's segments (allocated as needed). */
  readonly segmentStartStates: Float32Array[] = [];
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
    this.rng = new Rng(o.seed ^ 0x5bd1e995); // the unbatched learner's stream for the same seed
    this.faults = o.faults ?? NO_FAULTS;
    this.states = new Float32Array(stateSize > 0 ? (tMax + 1) * inputSize : 0);
    this.actions = new Int32Array(tMax);
    this.rewards = new Float64Array(tMax);
  }

  /** Ends the open segment after round step `end - 1`. */
  closeSegment(end: number, bootstrap: boolean, bootstrapObservation: Float32Array | null, episode: Segment['episode']): void {
    this.segments.push({ start: this.segmentStart, end, bootstrap, bootstrapObservation, bootstrapValue: Number.NaN, episode });
    this.segmentStart = end;
  }
}

/**
 * K actor-learners in one thread (`--envs-per-thread K`), acting in rounds of tMax lockstep
 * steps. Each step runs ONE forward pass over K rows (one per learner), samples K actions and
 * steps K environments, so the network's weights stream through the cache once per K agent
 * steps. The local weights stay fixed for the round. Each learner keeps its own environment,
 * rollouts, returns and asynchronous updates: its round is one rollout, or several where a lost
 * life or an episode's end cuts it (each piece a rollout of its own). At the round's end every
 * rollout of every learner makes its update, in rank order, each gradient taken at the weights
 * its rollout acted with: a feed-forward network keeps the acting forward's activations (each
 * learner's rows copied into its own block), so the update needs only the backward pass; a
 * recurrent network (the LSTM) replays the rollout from the state it began with. Then the new
 * global weights become the thread's local weights. See docs/batched-acting.md for what that
 * changes against one thread per actor-learner. The LSTM keeps one state per learner: the
 * layers before and after the recurrent one run over the K rows at once, the recurrent layer
 * row by row with each learner's state swapped in.
 */
export class BatchedActors {
  private readonly o: BatchedActorsOptions;
  private readonly learners: LearnerState[];
  private readonly numActions: number;
  private readonly stride: number;
  private readonly inputSize: number;
  private readonly tMax: number;
  /** True for feed-forward networks: each learner's round stays in its block of rows. */
  private readonly keepsRows: boolean;
  /** The first of the K rows the learners act in. */
  private readonly actRow: number;
  private readonly returns: Float64Array;
  private readonly values: Float64Array;
  private readonly advantages: Float64Array;
  private readonly headGrad: Float32Array;
  private readonly probs: Float64Array;
  /** Where updates go: the global store, with the optimizer and the local network they refresh. */
  private readonly globalUpdate: GlobalUpdateTarget;
  /** The learner whose update is being applied, for the store's fault hook. */
  private updating: LearnerState | null = null;
  /** Lockstep steps of the round so far. */
  private roundStep = 0;
  readonly timings: LoopTimings = { envMs: 0, forwardMs: 0, updateMs: 0, lockWaitMs: 0, lockHoldMs: 0, steps: 0, updates: 0 };

  constructor(options: BatchedActorsOptions) {
    this.o = options;
    const { config, net, learners } = options;
    const k = learners.length;
    if (k < 1) throw new Error('a batch needs at least one actor-learner');
    this.keepsRows = net.stateSize === 0;
    const rows = batchRows(config.tMax, k, !this.keepsRows);
    if (net.maxBatch < rows) throw new Error(`network batch ${net.maxBatch} < the ${rows} rows that ${k} learners with tMax ${config.tMax} need`);
    this.numActions = net.outputSize - 1;
    this.stride = net.outputSize;
    this.inputSize = net.inputSize;
    this.tMax = config.tMax;
    this.actRow = this.keepsRows ? k * config.tMax : 0;
    this.learners = learners.map((l) => new LearnerState(l, config.tMax, this.inputSize, net.stateSize));
    this.returns = new Float64Array(config.tMax);
    this.values = new Float64Array(config.tMax);
    this.advantages = new Float64Array(config.tMax);
    this.headGrad = new Float32Array(net.maxBatch * this.stride);
    this.probs = new Float64Array(this.numActions);
    this.globalUpdate = { store: options.store, net, optimizer: optimizerSettings(config), config, slot: options.slot };
    refreshLocalWeights(this.globalUpdate);
  }

  /** The fault hook of the update in progress (the store calls it before each chunk). */
  beforeUpdateChunk(chunk: number): void {
    this.updating?.faults.beforeUpdateChunk(chunk);
  }

  /** The environment of the batch's first learner (the dashboard's live screen). */
  get firstEnv(): Env { return this.learners[0].o.env; }

  /** Row of learner `i`'s round step `step` in its block (feed-forward networks). */
  private blockRow(i: number, step: number): number {
    return i * this.tMax + step;
  }

  /**
   * One lockstep step of every learner: one forward pass over their K states, K actions, K
   * environment steps. After tMax of them, or at the stop request, the round ends: every
   * rollout of it updates the global network, and the local weights are refreshed.
   */
  step(): void {
    const { net, store } = this.o;
    const learners = this.learners;
    const k = learners.length;
    const inputSize = this.inputSize;
    const timings = this.timings;
    const step = this.roundStep;
    const t0 = performance.now();
    for (let i = 0; i < k; i++) {
      const learner = learners[i];
      if (learner.observation === null) this.startEpisode(learner);
      if (step === learner.segmentStart && !this.keepsRows) this.segmentStartState(learner).set(learner.recurrentState);
      net.input.set(learner.observation!, (this.actRow + i) * inputSize);
      if (!this.keepsRows) learner.states.set(learner.observation!, step * inputSize);
    }
    if (this.keepsRows) net.forward(this.actRow, k);
    else this.forwardWithLearnerStates(k);
    for (let i = 0; i < k; i++) {
      const learner = learners[i];
      let action = this.sampleAction(learner, this.actRow + i);
      if (learner.forcedAction >= 0) {
        action = learner.forcedAction;
        learner.forcedAction = -1;
      }
      learner.actions[step] = action;
      if (this.keepsRows) net.copyRow(this.actRow + i, this.blockRow(i, step)); // the backward's rows, kept for the round's end
    }
    timings.forwardMs += performance.now() - t0;
    for (let i = 0; i < k; i++) {
      const learner = learners[i];
      const t1 = performance.now();
      const result = learner.o.env.step(learner.actions[step]);
      timings.envMs += performance.now() - t1;
      learner.episodeReturn += result.info.rawReward ?? result.reward;
      learner.episodeLength++;
      learner.rewards[step] = result.reward; // already clipped by the env's ClipReward where the preset asks
      learner.observation = result.observation;
      if (result.terminated || result.truncated) {
        // An episode cut by its time limit bootstraps from its last state, which the next step replaces.
        const last = result.terminated ? null : Float32Array.from(result.observation);
        learner.closeSegment(step + 1, !result.terminated, last, { score: learner.episodeReturn, length: learner.episodeLength, maxProbSum: learner.episodeMaxProbSum });
        learner.episodeReturn = 0;
        learner.episodeLength = 0;
        learner.episodeMaxProbSum = 0;
        learner.observation = null; // the next step starts a new episode
      } else if (result.info.lifeLost) {
        // "Dead": the rollout ends here, bootstrapped across lives unless lives are terminal (as ActorLearner).
        learner.closeSegment(step + 1, !this.o.config.lifeLossTerminal, null, null);
        if (this.o.config.lifeLossTerminal) learner.recurrentState.fill(0); // the next rollout starts afresh, as ActorLearner's
        if (this.o.actionAfterLifeLoss !== undefined) learner.forcedAction = this.o.actionAfterLifeLoss;
      }
    }
    this.roundStep++;
    if (this.roundStep === this.tMax || store.stopRequested) this.endRound();
  }

  /**
   * The round's updates: the open rollouts close (bootstrapped from the current states), then
   * each learner's rollouts update the global network in order, learners in rank order; the
   * new global weights become the local ones.
   */
  private endRound(): void {
    const start = performance.now();
    const end = this.roundStep;
    for (const learner of this.learners) {
      if (learner.segmentStart < end) {
        learner.closeSegment(end, true, learner.observation, null);
      } else {
        // A life lost on the round's last step: the next state is not in the round's rows.
        const last = learner.segments[learner.segments.length - 1];
        if (last && last.end === end && last.bootstrap && !last.bootstrapObservation) last.bootstrapObservation = learner.observation;
      }
    }
    if (this.keepsRows) this.bootstrapValues();
    this.learners.forEach((learner, i) => {
      learner.segments.forEach((segment, n) => this.update(learner, i, segment, n));
      learner.segments.length = 0;
      learner.segmentStart = 0;
    });
    refreshLocalWeights(this.globalUpdate);
    this.roundStep = 0;
    this.timings.updateMs += performance.now() - start;
  }

  /**
   * Values of the states bootstrapped outside the round's rows (feed-forward networks): forward
   * passes over the acting rows at the round's weights, K states at a time.
   */
  private bootstrapValues(): void {
    const { net } = this.o;
    const wanted: Segment[] = [];
    for (const learner of this.learners) {
      for (const segment of learner.segments) if (segment.bootstrap && segment.bootstrapObservation) wanted.push(segment);
    }
    const k = this.learners.length;
    for (let first = 0; first < wanted.length; first += k) {
      const batch = wanted.slice(first, first + k);
      batch.forEach((segment, j) => net.input.set(segment.bootstrapObservation!, (this.actRow + j) * this.inputSize));
      net.forward(this.actRow, batch.length);
      batch.forEach((segment, j) => { segment.bootstrapValue = net.output[(this.actRow + j) * this.stride + this.numActions]; });
    }
  }

  /**
   * One rollout's update at the round's weights: its values (from the kept rows, or a replay
   * from the state it began with), the n-step (or GAE) targets, the loss gradient, clipped and
   * applied to the global network (the local weights stay the round's).
   */
  private update(learner: LearnerState, index: number, segment: Segment, segmentIndex: number): void {
    const { net, config, store } = this.o;
    const steps = segment.end - segment.start;
    const stride = this.stride;
    let row0 = 0;
    let bootstrapValue = 0;
    if (this.keepsRows) {
      row0 = this.blockRow(index, segment.start);
      if (segment.bootstrap) {
        bootstrapValue = segment.bootstrapObservation ? segment.bootstrapValue : net.output[this.blockRow(index, segment.end) * stride + this.numActions];
      }
    } else {
      const inputSize = this.inputSize;
      net.input.set(learner.states.subarray(segment.start * inputSize, segment.end * inputSize), 0);
      net.writeState(learner.segmentStartStates[segmentIndex]); // rows are time steps from the rollout's first state
      if (segment.bootstrap) {
        net.input.set(segment.bootstrapObservation ?? learner.states.subarray(segment.end * inputSize, (segment.end + 1) * inputSize), steps * inputSize);
      }
      net.forward(0, segment.bootstrap ? steps + 1 : steps);
      if (segment.bootstrap) bootstrapValue = net.output[steps * stride + this.numActions];
    }
    for (let t = 0; t < steps; t++) this.values[t] = net.output[(row0 + t) * stride + this.numActions];
    const rewards = learner.rewards.subarray(segment.start, segment.end);
    rolloutTargets({ rewards, values: this.values, count: steps, bootstrapValue, gamma: config.gamma, gaeLambda: config.gaeLambda }, this.returns, this.advantages);
    const stats = a3cLoss(net.output.subarray(row0 * stride), this.numActions, learner.actions.subarray(segment.start, segment.end), this.returns, steps,
      config.entropyCoef, this.headGrad.subarray(row0 * stride), this.probs, this.advantages);
    net.backward(this.headGrad, row0, steps); // overwrites net.grads
    learner.updates++;
    learner.faults.afterBackward(learner.updates, net.grads, store);
    const norm = Math.sqrt(net.kernels.sumSquares(net.grads.length, net.grads, 0));
    this.updating = learner;
    try {
      applyToGlobal(this.globalUpdate, steps, clipScale(norm, config.clipNorm), Number.isFinite(norm) && Number.isFinite(stats.total), false);
    } finally {
      this.updating = null;
    }
    this.timings.steps += steps;
    this.timings.updates++;
    learner.episodeLoss.policyGradient += stats.policyGradient;
    learner.episodeLoss.value += stats.critic;
    learner.episodeLoss.entropy += stats.entropy;
    learner.episodeLoss.updates++;
    if (segment.episode) this.finishEpisode(learner, segment.episode);
  }

  /** The buffer for the recurrent state at the start of the learner's open segment. */
  private segmentStartState(learner: LearnerState): Float32Array {
    const index = learner.segments.length;
    while (learner.segmentStartStates.length <= index) learner.segmentStartStates.push(new Float32Array(this.o.net.stateSize));
    return learner.segmentStartStates[index];
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

  private finishEpisode(learner: LearnerState, tally: NonNullable<Segment['episode']>): void {
    const record = countEpisode(this.o.store, learner.o.rank, { ...tally, loss: learner.episodeLoss });
    this.o.onEpisode?.(record);
    learner.episodeLoss = { policyGradient: 0, value: 0, entropy: 0, updates: 0 };
  }
}
