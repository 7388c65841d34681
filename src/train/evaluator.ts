import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TrainConfig } from '../config.js';
import { assignTensors, loadSafetensors, saveSafetensors } from '../io/safetensors.js';
import { KEYS, type MetricsRecord } from '../metrics/records.js';
import type { ParamTensor, Sequential } from '../nn/sequential.js';
import type { AgentFactory } from './agentFactory.js';
import { allFinite } from './globalStore.js';
import { playEpisodes, policyFromWeights, summarize, weightsProvenance } from './evaluate.js';
import { BEST_WEIGHTS_FILE } from './runDirectory.js';


/**
 * The evaluator (the A3C paper's and pytorch-a3c's test process, SB3's EvalCallback): now and
 * then it plays a snapshot of the global weights in an environment of its own, keeps the best
 * snapshot in best.safetensors with its score and step, and decides whether the target return
 * is reached, which it is only when the weights as saved confirm it in a second evaluation.
 * The training episodes' mean return is no such proof: A3C on CartPole often reaches 475 over
 * 100 episodes and collapses before the weights are saved.
 */

/** How often and how long the evaluator plays. */
export interface EvalSchedule {
  everySeconds: number;
  episodes: number;
  /** Episodes of the confirming evaluation of the saved file, with other seeds. */
  confirmEpisodes: number;
}

/**
 * CartPole's 10 episodes take tens of milliseconds at 500 steps each; Breakout's take seconds,
 * so they come rarely. The confirmation plays more episodes: a sampling policy that fails one
 * start in ten can pass 10 episodes by luck, rarely 50.
 */
export const EVAL_DEFAULTS = {
  withTarget: { everySeconds: 2, episodes: 10 },
  withoutTarget: { everySeconds: 300, episodes: 5 },
  confirmEpisodes: 50,
} as const;

/** The run's evaluation schedule (config values, or the defaults for runs with and without a target), or null when off. */
export function evalSchedule(config: Pick<TrainConfig, 'evalEverySeconds' | 'evalEpisodes' | 'targetReturn'>): EvalSchedule | null {
  const defaults = config.targetReturn !== null ? EVAL_DEFAULTS.withTarget : EVAL_DEFAULTS.withoutTarget;
  const everySeconds = config.evalEverySeconds ?? defaults.everySeconds;
  if (everySeconds === 0) return null;
  const episodes = config.evalEpisodes ?? defaults.episodes;
  return { everySeconds, episodes, confirmEpisodes: Math.max(EVAL_DEFAULTS.confirmEpisodes, episodes) };
}

/** What best.safetensors holds, as its metadata records it. */
export interface BestWeights {
  path: string;
  step: number;
  /** Mean return over every evaluation episode these weights played (the first evaluation and, if any, the confirmation). */
  meanReturn: number;
  episodes: number;
}

/** What one evaluation found. */
export interface EvalReport {
  step: number;
  mean_return: number;
  std_return: number;
  episodes: number;
  /** The snapshot became best.safetensors. */
  savedBest: boolean;
  /** The best weights after this evaluation (null until a finite snapshot was evaluated). */
  best: BestWeights | null;
  /** The saved file's second evaluation, played when the first reached the target return. */
  confirmation: { mean_return: number; std_return: number; episodes: number } | null;
  /** Set when the target return is reached: the confirmation, when it reached the target too. */
  confirmed: { path: string; step: number; mean_return: number; std_return: number; episodes: number } | null;
}

/** An evaluation as a record of the metrics stream. */
export function evalMetrics(report: EvalReport, wallTime: number): MetricsRecord {
  return {
    kind: 'eval', step: report.step, wall_time: wallTime,
    values: {
      [KEYS.evalMeanReturn]: report.mean_return,
      [KEYS.evalStdReturn]: report.std_return,
      [KEYS.evalEpisodes]: report.episodes,
      [KEYS.evalSavedBest]: report.savedBest ? 1 : 0,
      ...(report.confirmation ? { [KEYS.evalConfirmationMeanReturn]: report.confirmation.mean_return } : {}),
    },
  };
}

/**
 * Plays snapshots of the global weights and keeps the best; runs in any thread (the
 * coordinator hands it to its own, see EvaluatorThread; tests call it directly).
 */
export class Evaluator {
  readonly bestPath: string;
  private bestWeights: BestWeights | null = null;
  private evaluations = 0;
  private net: Sequential | undefined;

  /**
   * `resume`: keep an existing best.safetensors and its score (a resumed run); otherwise a
   * stale one is removed so it cannot pass for this run's.
   */
  constructor(
    private readonly agents: AgentFactory, private readonly config: TrainConfig, runDir: string, private readonly layout: ParamTensor[],
    private readonly schedule: EvalSchedule, resume: boolean,
  ) {
    this.bestPath = join(runDir, BEST_WEIGHTS_FILE);
    if (!existsSync(this.bestPath)) return;
    if (!resume) {
      rmSync(this.bestPath, { force: true });
      return;
    }
    try {
      const { step, evaluation } = weightsProvenance(loadSafetensors(this.bestPath, 'best weights file').metadata);
      if (step !== null && evaluation) this.bestWeights = { path: this.bestPath, step, ...pooled(evaluation) };
    } catch { /* a damaged best file is replaced by the next evaluation */ }
  }

  get best(): BestWeights | null { return this.bestWeights; }

  /** Plays `params` (the global weights at `step`), saves them if they beat the best, and confirms a target from the saved file. */
  evaluate(params: Float32Array, step: number): EvalReport {
    const n = this.evaluations++;
    if (!allFinite(params)) {
      return { step, mean_return: Number.NaN, std_return: Number.NaN, episodes: 0, savedBest: false, best: this.bestWeights, confirmation: null, confirmed: null };
    }
    // Seeds of their own, different for each evaluation, so no single start decides.
    const seed = this.config.seed * 7919 + 1_000_003 + n * 2 * 65_537;
    const result = this.play(params, this.schedule.episodes, seed);
    const report: EvalReport = { step, ...pick(result), savedBest: false, best: this.bestWeights, confirmation: null, confirmed: null };
    if (this.bestWeights !== null && !(result.mean_return > this.bestWeights.meanReturn)) return report;

    let evaluation: EvaluationMetadata = { mean_return: result.mean_return, std_return: result.std_return, episodes: result.episodes };
    this.save(params, step, evaluation);
    report.savedBest = true;
    const target = this.config.targetReturn;
    if (target !== null && result.mean_return >= target) {
      // Confirm on the file as written, not the snapshot in memory: what eval and play will load.
      const saved = new Float32Array(params.length);
      const loaded = loadSafetensors(this.bestPath, 'best weights file');
      assignTensors(this.bestPath, loaded, this.layout, saved);
      const check = this.play(saved, this.schedule.confirmEpisodes, seed + 65_537);
      evaluation = { ...evaluation, confirmed_mean_return: check.mean_return, confirmed_std_return: check.std_return, confirmed_episodes: check.episodes };
      this.save(saved, step, evaluation);
      report.confirmation = pick(check);
      if (check.mean_return >= target) report.confirmed = { path: this.bestPath, step, ...pick(check) };
    }
    this.bestWeights = { path: this.bestPath, step, ...pooled(evaluation) };
    report.best = this.bestWeights;
    return report;
  }

  private play(params: Float32Array, episodes: number, seed: number) {
    const { env, actionAfterLifeLoss, policy, net } = policyFromWeights(this.agents, this.config, { seed, greedy: false }, (n) => n.params.set(params), this.net);
    this.net = net;
    return summarize(playEpisodes(env, actionAfterLifeLoss, { episodes, seed }, policy));
  }

  private save(params: Float32Array, step: number, evaluation: EvaluationMetadata): void {
    saveSafetensors(this.bestPath, this.layout, params, {
      format: 'a3c-weights/1', config: JSON.stringify(this.config),
      counters: JSON.stringify({ globalSteps: step }), evaluation: JSON.stringify(evaluation),
    });
  }
}

interface EvaluationMetadata {
  mean_return: number;
  std_return: number;
  episodes: number;
  confirmed_mean_return?: number;
  confirmed_std_return?: number;
  confirmed_episodes?: number;
}

function pick(r: { mean_return: number; std_return: number; episodes: number }) {
  return { mean_return: r.mean_return, std_return: r.std_return, episodes: r.episodes };
}

/** The mean over the first evaluation and the confirmation together. */
function pooled(e: { mean_return: number; episodes: number; confirmed_mean_return?: number; confirmed_episodes?: number }): { meanReturn: number; episodes: number } {
  const extra = e.confirmed_episodes ?? 0;
  const episodes = e.episodes + extra;
  return { meanReturn: (e.mean_return * e.episodes + (e.confirmed_mean_return ?? 0) * extra) / episodes, episodes };
}

/** Messages between the coordinator and the evaluator's thread. */
export interface EvaluatorThreadInput {
  config: TrainConfig;
  /** The module whose `agentFactory` builds the run's environment and network. */
  agentsModule: string;
  runDir: string;
  schedule: EvalSchedule;
  resume: boolean;
}
export type EvaluatorRequest = { type: 'evaluate'; params: Float32Array; step: number };
export type EvaluatorReply = { type: 'report'; report: EvalReport } | { type: 'error'; message: string };

/**
 * The evaluator in a thread of its own, so a long Breakout evaluation never holds up the
 * coordinator (checkpoints, metrics, stop requests). One evaluation at a time: `submit` is
 * refused while one runs, so the evaluator takes at most its schedule's share of a core.
 */
export class EvaluatorThread {
  private readonly worker: Worker;
  private running = false;
  private exited = false;

  constructor(input: EvaluatorThreadInput, onReport: (report: EvalReport) => void, onError: (message: string) => void) {
    this.worker = new Worker(new URL('./evaluatorThread.js', import.meta.url), { workerData: input });
    this.worker.on('message', (message: EvaluatorReply) => {
      this.running = false;
      if (message.type === 'report') onReport(message.report);
      else onError(message.message);
    });
    this.worker.on('error', (error) => { this.running = false; onError(error.message); });
    this.worker.on('exit', () => { this.exited = true; this.running = false; });
    this.worker.unref(); // never what keeps the process alive
  }

  /** An evaluation is under way. */
  get busy(): boolean { return this.running || this.exited; }

  /** Hands over a copy of the weights at `step` (transferred: `params` is unusable here afterwards). */
  submit(params: Float32Array, step: number): void {
    if (this.busy) return;
    this.running = true;
    this.worker.postMessage({ type: 'evaluate', params, step } satisfies EvaluatorRequest, [params.buffer as ArrayBuffer]); // a plain copy, never the shared weights
  }

  /** Waits up to `graceMs` for an evaluation under way (it may be writing best.safetensors), then ends the thread. */
  async close(graceMs = 5000): Promise<void> {
    const until = performance.now() + graceMs;
    while (this.running && !this.exited && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
    if (!this.exited) await this.worker.terminate();
  }
}
