import { forEachLine } from '../io/lines.js';

/**
 * The one metrics stream of a run: every quantity is a namespaced key (`charts/`, `losses/`,
 * `perf/`, `eval/`) with a value at a global step and a wall time. The coordinator makes the
 * records; every sink (metrics.jsonl, TensorBoard, the console, the dashboard through
 * metrics.jsonl) consumes the same records with the same keys.
 */
export type RecordKind =
  /** One finished training episode (one per episode, from the worker that played it). */
  | 'episode'
  /** Periodic run-wide figures: speed, learning rate, restarts (every few seconds). */
  | 'scalars'
  /** An evaluation of the global weights by the evaluator. */
  | 'eval';

export interface MetricsRecord {
  kind: RecordKind;
  /** Global agent steps when the values were taken. */
  step: number;
  /** Seconds of training, including earlier segments of a resumed run. */
  wall_time: number;
  /** Episode records only: the global episode number (1-based) and the worker that played it. */
  episode?: number;
  worker?: number;
  /** Namespaced key -> value; the keys are the TensorBoard tags. NaN stays NaN (JSON: null). */
  values: Record<string, number>;
}

/** The keys the stream uses; a sink or reader names a quantity only through these. */
export const KEYS = {
  episodeReturn: 'charts/episode_return',
  episodeLength: 'charts/episode_length',
  meanMaxProb: 'charts/mean_max_prob',
  scoreAverage: 'charts/score_average',
  scoreMax: 'charts/score_max',
  meanReturn100: 'charts/mean_return_100',
  learningRate: 'charts/learning_rate',
  /** Mean over the episode's updates of sum_t -log(pi(a_t)+1e-10) * advantage_t: the policy-gradient term alone. */
  policyGradientLoss: 'losses/policy_gradient',
  /** Mean over the episode's updates of 0.5 * sum_t advantage_t^2. */
  valueLoss: 'losses/value',
  /** Mean over the episode's steps of -sum pi log pi (positive; higher is more random). */
  entropy: 'losses/entropy',
  /**
   * Runs written before the stream: their `policy_loss` was the actor term, policy gradient
   * plus entropyCoef * sum(pi log pi), so it keeps a name of its own instead of passing for
   * the policy-gradient loss.
   */
  legacyActorLoss: 'losses/policy',
  stepsPerSecond: 'perf/steps_per_second',
  updatesPerSecond: 'perf/updates_per_second',
  skippedUpdates: 'perf/skipped_updates',
  workerRestarts: 'perf/worker_restarts',
  evalMeanReturn: 'eval/mean_return',
  evalStdReturn: 'eval/std_return',
  evalEpisodes: 'eval/episodes',
  /** 1 when the evaluated weights became best.safetensors, else 0. */
  evalSavedBest: 'eval/saved_best',
  /** Present when the evaluation reached the target return: the mean of the saved file's confirming evaluation. */
  evalConfirmationMeanReturn: 'eval/confirmation_mean_return',
} as const;

/** Fields of a metrics.jsonl line written before the stream (one flat object per episode). */
const LEGACY_EPISODE_FIELDS: Record<string, string> = {
  return: KEYS.episodeReturn,
  length: KEYS.episodeLength,
  mean_max_prob: KEYS.meanMaxProb,
  policy_loss: KEYS.legacyActorLoss,
  value_loss: KEYS.valueLoss,
  entropy: KEYS.entropy,
};

/**
 * One metrics.jsonl line as written by the JSONL sink: wall time to the millisecond, values to
 * 7 significant digits (what TensorBoard's float32 keeps), so a long CartPole run's file stays small.
 */
export function formatRecordLine(record: MetricsRecord): string {
  const { kind, step, episode, worker } = record;
  const wall_time = Math.round(record.wall_time * 1000) / 1000;
  const values: Record<string, number> = {};
  for (const [key, value] of Object.entries(record.values)) values[key] = Number.isFinite(value) ? Number(value.toPrecision(7)) : value;
  return JSON.stringify(kind === 'episode' ? { kind, step, wall_time, episode, worker, values } : { kind, step, wall_time, values }) + '\n';
}

/**
 * A metrics.jsonl line as a record: a line of the stream, or an episode line of a run written
 * before it (`{step, wall_time, worker, episode, return, ...}`); null for a torn or foreign line.
 */
export function parseRecordLine(line: string): MetricsRecord | null {
  let raw: unknown;
  try { raw = JSON.parse(line); } catch { return null; }
  if (!raw || typeof raw !== 'object') return null;
  const o = raw as Record<string, unknown>;
  if (typeof o.step !== 'number') return null;
  const wallTime = typeof o.wall_time === 'number' ? o.wall_time : 0;
  if (o.kind === 'episode' || o.kind === 'scalars' || o.kind === 'eval') {
    if (!o.values || typeof o.values !== 'object') return null;
    const values: Record<string, number> = {};
    for (const [key, value] of Object.entries(o.values as Record<string, unknown>)) {
      if (typeof value === 'number') values[key] = value;
      else if (value === null) values[key] = Number.NaN; // JSON has no NaN
    }
    const record: MetricsRecord = { kind: o.kind, step: o.step, wall_time: wallTime, values };
    if (o.kind === 'episode') {
      if (typeof o.episode !== 'number') return null;
      record.episode = o.episode;
      if (typeof o.worker === 'number') record.worker = o.worker;
    }
    return record;
  }
  if (o.kind !== undefined || typeof o.return !== 'number' || typeof o.episode !== 'number') return null;
  const values: Record<string, number> = {};
  for (const [field, key] of Object.entries(LEGACY_EPISODE_FIELDS)) if (typeof o[field] === 'number') values[key] = o[field] as number;
  const record: MetricsRecord = { kind: 'episode', step: o.step, wall_time: wallTime, episode: o.episode, values };
  if (typeof o.worker === 'number') record.worker = o.worker;
  return record;
}

/** Each readable record of a metrics.jsonl file, old lines and new, in file order (streamed). */
export function forEachMetricsRecord(path: string, fn: (record: MetricsRecord) => void): void {
  forEachLine(path, (line) => {
    const record = parseRecordLine(line);
    if (record) fn(record);
  });
}

/** Each episode record of a metrics.jsonl file (old or new lines), in file order. */
export function forEachEpisodeRecord(path: string, fn: (record: MetricsRecord) => void): void {
  forEachMetricsRecord(path, (record) => { if (record.kind === 'episode') fn(record); });
}

/** Step, training time and return of each episode of a metrics.jsonl file (for learning curves). */
export function forEachEpisodeReturn(path: string, fn: (e: { step: number; wall_time: number; return: number }) => void): void {
  forEachEpisodeRecord(path, (r) => {
    const value = r.values[KEYS.episodeReturn];
    if (value !== undefined) fn({ step: r.step, wall_time: r.wall_time, return: value });
  });
}

/** A value of a record, NaN when the record lacks the key. */
export function valueOf(record: MetricsRecord, key: string): number {
  return record.values[key] ?? Number.NaN;
}
