import type { Env } from '../envs/env.js';
import type { TrainConfig } from '../config.js';
import { clipScale } from '../nn/optimizers.js';
import { Rng } from '../util/rng.js';
import { softmax } from '../nn/activations.js';
import type { Sequential } from '../nn/sequential.js';
import { a3cLoss } from './a3cLoss.js';
import { rolloutTargets } from './returns.js';
import { optimizerSettings } from './learningRate.js';
import type { OptimizerSettings } from '../nn/kernels/sharedOptimizer.js';
import { NO_FAULTS, type WorkerFaults } from './faults.js';
import { Counter, type GlobalStore } from './globalStore.js';

/** What an actor-learner reports when one of its episodes ends. */
export interface EpisodeRecord {
  worker: number;
  /** Global episode number (1-based). */
  episode: number;
  /** Global agent steps when the episode ended. */
  step: number;
  /** Sum of the game's raw (unclipped) rewards. */
  return: number;
  /** Agent steps in the episode. */
  length: number;
  /** Mean over the episode's steps of the policy's largest probability. */
  meanMaxProb: number;
  /** Means over the episode's updates: the policy-gradient term (no entropy bonus), the critic's loss, the entropy. */
  policyGradientLoss: number;
  valueLoss: number;
  entropy: number;
  /** Exponential moving average of returns (0.9/0.1, as the reference), after this episode. */
  scoreAverage: number;
  scoreMax: number;
}

/** Milliseconds an actor-learner spent in each part of its loop. */
export interface LoopTimings {
  envMs: number;
  forwardMs: number;
  /** Loss, backward, clipping, the locked global update and the copy back. */
  updateMs: number;
  /** Waiting for the update lock and holding it (a thread's, whatever its learners; parts of the above). */
  lockWaitMs: number;
  lockHoldMs: number;
  steps: number;
  updates: number;
}

export interface ActorLearnerOptions {
  rank: number;
  /** Seeds action sampling and the first environment reset (the coordinator passes seed + rank). */
  seed: number;
  config: TrainConfig;
  store: GlobalStore;
  env: Env;
  /** The local network: its parameters are a private copy of the global ones. */
  net: Sequential;
  /** Action (agent index) forced on the step after a life is lost, e.g. FIRE to serve. */
  actionAfterLifeLoss?: number;
  onEpisode?: (record: EpisodeRecord) => void;
  /** Fault hooks for the chaos tests (default NO_FAULTS: nothing happens). */
  faults?: WorkerFaults;
}

/**
 * One A3C actor-learner: plays `tMax` steps (or to the end of a life or episode) with its local
 * network, computes returns and advantages (n-step, or GAE) and the loss gradient, clips it, applies it to the global
 * network, and copies the global weights back. The forward pass made to act on step t fills row
 * t of every layer, so the update needs only the backward pass. A recurrent network's state is
 * carried from one rollout to the next (the backward through time stops at the rollout's start)
 * and starts afresh with each episode, and at a lost life when lives are terminal.
 */
export class ActorLearner {
  private readonly o: ActorLearnerOptions;
  private readonly numActions: number;
  private readonly stride: number;
  private readonly rng: Rng;
  private readonly actions: Int32Array;
  private readonly rewards: Float64Array;
  private readonly returns: Float64Array;
  private readonly values: Float64Array;
  private readonly advantages: Float64Array;
  private readonly headGrad: Float32Array;
  private readonly probs: Float64Array;
  /** The recurrent state while the bootstrap value is computed (empty for feed-forward nets). */
  private readonly stateBeforeBootstrap: Float32Array;
  private readonly faults: WorkerFaults;
  /** Where updates go: the global store, with the optimizer and the local network they refresh. */
  private readonly globalUpdate: GlobalUpdateTarget;
  private updates = 0;
  private observation: Float32Array | null = null;
  private forcedAction = -1;
  private seeded = false;
  private episodeReturn = 0;
  private episodeLength = 0;
  private episodeMaxProbSum = 0;
  private episodeLoss = { policyGradient: 0, value: 0, entropy: 0, updates: 0 };
  readonly timings: LoopTimings = { envMs: 0, forwardMs: 0, updateMs: 0, lockWaitMs: 0, lockHoldMs: 0, steps: 0, updates: 0 };

  constructor(options: ActorLearnerOptions) {
    this.o = options;
    const { config, net } = options;
    if (net.maxBatch < config.tMax + 1) throw new Error(`network batch ${net.maxBatch} < tMax + 1 = ${config.tMax + 1}`);
    this.numActions = net.outputSize - 1;
    this.stride = net.outputSize;
    this.rng = new Rng(options.seed ^ 0x5bd1e995);
    this.actions = new Int32Array(config.tMax);
    this.rewards = new Float64Array(config.tMax);
    this.returns = new Float64Array(config.tMax);
    this.values = new Float64Array(config.tMax);
    this.advantages = new Float64Array(config.tMax);
    this.headGrad = new Float32Array(net.maxBatch * this.stride);
    this.probs = new Float64Array(this.numActions);
    this.stateBeforeBootstrap = new Float32Array(net.stateSize);
    this.faults = options.faults ?? NO_FAULTS;
    this.globalUpdate = { store: options.store, net, optimizer: optimizerSettings(config), config, slot: options.rank };
    options.store.locked(() => net.params.set(options.store.params)); // a whole copy, never a half-applied update
  }

  /** One rollout of up to tMax steps followed by one update of the global network. */
  rolloutAndUpdate(): void {
    const { env, net, config, store } = this.o;
    const inputSize = net.inputSize;
    if (this.observation === null) this.startEpisode();
    let steps = 0;
    let bootstrap = true; // false once a terminal state (or, optionally, a lost life) ends the rollout
    let episodeEnded = false;
    const timings = this.timings;
    while (steps < config.tMax) {
      const t0 = performance.now();
      net.input.set(this.observation!, steps * inputSize);
      net.forward(steps, 1);
      let action = this.sampleAction(steps);
      if (this.forcedAction >= 0) {
        action = this.forcedAction;
        this.forcedAction = -1;
      }
      const t1 = performance.now();
      const result = env.step(action);
      timings.forwardMs += t1 - t0;
      timings.envMs += performance.now() - t1;
      const raw = result.info.rawReward ?? result.reward;
      this.episodeReturn += raw;
      this.episodeLength++;
      this.actions[steps] = action;
      this.rewards[steps] = result.reward; // already clipped by the env's ClipReward where the preset asks
      steps++;
      this.observation = result.observation;
      if (result.terminated || result.truncated) {
        episodeEnded = true;
        bootstrap = !result.terminated;
        break;
      }
      if (result.info.lifeLost) {
        // "Dead": the rollout ends here. The reference's returns run on across lives, so by
        // default the value of the refilled next state is bootstrapped; DQN-style terminal
        // lives are an option.
        bootstrap = !config.lifeLossTerminal;
        if (config.lifeLossTerminal) net.resetState(); // the backward reads the rows it kept, not this state
        if (this.o.actionAfterLifeLoss !== undefined) this.forcedAction = this.o.actionAfterLifeLoss;
        break;
      }
      if (store.stopRequested) break;
    }

    const updateStart = performance.now();
    let bootstrapValue = 0;
    if (bootstrap) {
      // V(s_next) in the spare row tMax (never part of the backward pass). A look ahead: the
      // next rollout's first step starts from the same recurrent state.
      const row = config.tMax;
      net.readState(this.stateBeforeBootstrap);
      net.input.set(this.observation!, row * inputSize);
      net.forward(row, 1);
      bootstrapValue = net.output[row * this.stride + this.numActions];
      net.writeState(this.stateBeforeBootstrap);
    }
    for (let t = 0; t < steps; t++) this.values[t] = net.output[t * this.stride + this.numActions];
    rolloutTargets({ rewards: this.rewards, values: this.values, count: steps, bootstrapValue, gamma: config.gamma, gaeLambda: config.gaeLambda }, this.returns, this.advantages);
    const stats = a3cLoss(net.output, this.numActions, this.actions, this.returns, steps, config.entropyCoef, this.headGrad, this.probs, this.advantages);
    net.backward(this.headGrad, 0, steps); // overwrites net.grads
    this.updates++;
    this.faults.afterBackward(this.updates, net.grads, store);
    const norm = Math.sqrt(net.kernels.sumSquares(net.grads.length, net.grads, 0));
    applyToGlobal(this.globalUpdate, steps, clipScale(norm, config.clipNorm), Number.isFinite(norm) && Number.isFinite(stats.total));
    timings.updateMs += performance.now() - updateStart;
    timings.steps += steps;
    timings.updates++;

    this.episodeLoss.policyGradient += stats.policyGradient;
    this.episodeLoss.value += stats.critic;
    this.episodeLoss.entropy += stats.entropy;
    this.episodeLoss.updates++;
    if (episodeEnded) this.finishEpisode();
  }

  private sampleAction(row: number): number {
    const { net } = this.o;
    const base = row * this.stride;
    softmax(net.output, base, this.numActions, this.probs, 0);
    let maxProb = 0;
    for (let j = 0; j < this.numActions; j++) if (this.probs[j] > maxProb) maxProb = this.probs[j];
    this.episodeMaxProbSum += maxProb;
    return this.rng.categorical(this.probs, 0, this.numActions);
  }

  private startEpisode(): void {
    const { env, seed } = this.o;
    // Seed once; later episodes continue the environment's own random stream.
    const reset = env.reset(this.seeded ? {} : { seed });
    this.seeded = true;
    this.observation = reset.observation;
    this.forcedAction = -1;
    this.o.net.resetState();
  }

  private finishEpisode(): void {
    const { store, rank } = this.o;
    const record = countEpisode(store, rank, { score: this.episodeReturn, length: this.episodeLength, maxProbSum: this.episodeMaxProbSum, loss: this.episodeLoss });
    this.o.onEpisode?.(record);
    this.episodeReturn = 0;
    this.episodeLength = 0;
    this.episodeMaxProbSum = 0;
    this.episodeLoss = { policyGradient: 0, value: 0, entropy: 0, updates: 0 };
    this.observation = null;
    this.startEpisode();
  }
}

/** What an actor-learner summed over an episode. */
export interface EpisodeTally {
  score: number;
  length: number;
  maxProbSum: number;
  loss: { policyGradient: number; value: number; entropy: number; updates: number };
}

/**
 * Numbers a finished episode and updates the run's score counters, under the episode lock (not
 * the update lock: Hogwild never waits for an update), so episode numbers and steps keep the
 * same order, as the metrics and a resume's truncation expect.
 */
export function countEpisode(store: GlobalStore, rank: number, t: EpisodeTally): EpisodeRecord {
  const updates = Math.max(1, t.loss.updates);
  const score = t.score;
  return store.episodeLocked((): EpisodeRecord => {
    const episode = store.addToCounter(Counter.episodes, 1);
    const scoreAverage = store.updateCounter(Counter.scoreAverage, (average) => episode === 1 ? score : 0.9 * average + 0.1 * score);
    const scoreMax = store.updateCounter(Counter.scoreMax, (max) => episode === 1 ? score : Math.max(max, score));
    return {
      worker: rank, episode, step: store.counters[Counter.globalSteps], return: score, length: t.length,
      meanMaxProb: t.maxProbSum / Math.max(1, t.length),
      policyGradientLoss: t.loss.policyGradient / updates, valueLoss: t.loss.value / updates, entropy: t.loss.entropy / updates,
      scoreAverage, scoreMax,
    };
  });
}

/** Where an actor-learner's gradient goes: the global store, with the local network it refreshes. */
export interface GlobalUpdateTarget {
  store: GlobalStore;
  net: Pick<Sequential, 'grads' | 'params'>;
  optimizer: OptimizerSettings;
  config: Pick<TrainConfig, 'hogwild' | 'maxSteps'>;
  /** The Hogwild gradient slot of a network outside the shared memory (a worker's rank, a thread's index). */
  slot: number;
}

/**
 * One rollout's gradient into the global weights, for single and batched actor-learners alike.
 * Clipping is folded into the optimizer pass as `gradScale`; non-finite gradients are skipped.
 * Either way the new global weights are copied into the local network, in the optimizer's pass,
 * unless `refreshLocal` is false (batched learners refresh once a round: refreshLocalWeights).
 */
export function applyToGlobal(target: GlobalUpdateTarget, steps: number, gradScale: number, finite: boolean, refreshLocal = true): void {
  const { store, net, optimizer, config, slot } = target;
  const copyTo = refreshLocal ? net.params : undefined;
  if (config.hogwild) {
    // Hogwild (the A3C paper): no lock at all. Updates overlap, so each worker has its own
    // gradient slot where its network lies outside the shared memory; the counters are atomic.
    if (finite) store.applyGradients(slot, net.grads, gradScale, optimizer, false, copyTo);
    else copyTo?.set(store.params);
    countUpdate(store, steps, finite);
  } else {
    store.locked(() => {
      if (finite) store.applyGradients(0, net.grads, gradScale, optimizer, true, copyTo);
      else copyTo?.set(store.params);
      countUpdate(store, steps, finite); // under the lock too, so a checkpoint's snapshot counts exactly the updates in its weights
    });
  }
  if (config.maxSteps !== null && store.runSteps >= config.maxSteps) store.requestStop();
}

/** The global weights into the local network: under the lock (a whole copy, never a half-applied update) unless Hogwild. */
export function refreshLocalWeights(target: GlobalUpdateTarget): void {
  const { store, net, config } = target;
  if (config.hogwild) net.params.set(store.params);
  else store.locked(() => net.params.set(store.params));
}

function countUpdate(store: GlobalStore, steps: number, finite: boolean): void {
  store.addToCounter(Counter.globalSteps, steps);
  store.addToCounter(finite ? Counter.updates : Counter.skippedUpdates, 1);
}
