/**
 * Episode records from metrics.jsonl, averaged into buckets so a chart gets at most a few
 * thousand points however long the run (CartPole ends thousands of episodes a minute).
 */
export interface ChartPoint {
  step: number;
  wall_time: number;
  episodes: number;
  return: number;
  return_max: number;
  length: number;
  policy_loss: number;
  value_loss: number;
  entropy: number;
  mean_max_prob: number;
}

import { forEachEpisodeRecord, KEYS, parseRecordLine, type MetricsRecord } from '../metrics/records.js';

const MEAN_FIELDS = ['return', 'length', 'policy_loss', 'value_loss', 'entropy', 'mean_max_prob'] as const;

/**
 * An episode record of the stream (or an old episode line) in the flat shape the page charts.
 * `policy_loss` is the policy-gradient loss; runs written before it was logged alone show their
 * old actor loss (which included the entropy term) there.
 */
function chartFields(r: MetricsRecord): Record<string, number> {
  const v = r.values;
  return {
    step: r.step, wall_time: r.wall_time, episode: r.episode ?? 0,
    return: v[KEYS.episodeReturn], length: v[KEYS.episodeLength] ?? 0, mean_max_prob: v[KEYS.meanMaxProb] ?? 0,
    policy_loss: v[KEYS.policyGradientLoss] ?? v[KEYS.legacyActorLoss] ?? 0, value_loss: v[KEYS.valueLoss] ?? 0, entropy: v[KEYS.entropy] ?? 0,
  };
}

/**
 * The episode in one metrics line (a stream record or an old flat line) in chart fields, or null
 * for a torn line, a foreign one, or a record of another kind (evaluations, scalars).
 */
export function parseEpisodeLine(line: string): Record<string, number> | null {
  if (!line.includes('"episode"')) return null; // most foreign lines, without paying for JSON.parse
  const record = parseRecordLine(line);
  if (!record || record.kind !== 'episode' || typeof record.values[KEYS.episodeReturn] !== 'number') return null;
  return chartFields(record);
}

/** Parses complete lines of metrics.jsonl into episodes; torn, foreign and non-episode lines are skipped. */
export function parseEpisodeLines(text: string): Record<string, number>[] {
  const out: Record<string, number>[] = [];
  for (const line of text.split('\n')) {
    const episode = parseEpisodeLine(line);
    if (episode) out.push(episode);
  }
  return out;
}

/** The whole curve of a metrics file in at most `maxPoints` points, streamed once, never held whole. */
export function bucketEpisodesFromFile(path: string, maxPoints: number): { points: ChartPoint[]; episodes: number } {
  const history = new EpisodeHistory(Math.max(2, maxPoints));
  forEachEpisodeRecord(path, (r) => { if (typeof r.values[KEYS.episodeReturn] === 'number') history.add(chartFields(r)); });
  return { points: history.snapshot(), episodes: history.episodes };
}

/** Averages consecutive episodes into at most `maxPoints` points, keeping the last step and time of each bucket. */
export function bucketEpisodes(records: Record<string, number>[], maxPoints: number): ChartPoint[] {
  const size = Math.max(1, Math.ceil(records.length / maxPoints));
  const points: ChartPoint[] = [];
  let current: ChartPoint | null = null;
  for (const r of records) {
    current = addEpisode(current, r);
    if (current.episodes === size) {
      points.push(current);
      current = null;
    }
  }
  if (current) points.push(current);
  return points;
}

/**
 * The whole run's curve, built one episode at a time as the file grows: buckets of `size`
 * episodes, and when `maxPoints` buckets are full, neighbours merge and the size doubles.
 * Memory stays at `maxPoints` points whatever the file's length, and each byte is parsed once.
 */
export class EpisodeHistory {
  private points: ChartPoint[] = [];
  private current: ChartPoint | null = null;
  private bucketSize = 1;
  private count = 0;

  constructor(private readonly maxPoints: number) {
    if (maxPoints < 2) throw new Error(`EpisodeHistory: maxPoints must be at least 2, got ${maxPoints}`);
  }

  get episodes(): number { return this.count; }

  add(record: Record<string, number>): void {
    this.count++;
    this.current = addEpisode(this.current, record);
    if (this.current.episodes < this.bucketSize) return;
    this.points.push(this.current);
    this.current = null;
    if (this.points.length >= this.maxPoints) {
      this.points = mergeNeighbours(this.points);
      this.bucketSize *= 2;
    }
  }

  /** The points so far, the bucket being filled last (a copy: the caller may keep it). */
  snapshot(): ChartPoint[] {
    const out = this.points.slice();
    if (this.current) out.push({ ...this.current });
    return out;
  }

  clear(): void {
    this.points = [];
    this.current = null;
    this.bucketSize = 1;
    this.count = 0;
  }
}

/** Folds one episode into a running bucket (a new one when `point` is null). */
function addEpisode(point: ChartPoint | null, r: Record<string, number>): ChartPoint {
  const p = point ?? {
    step: 0, wall_time: 0, episodes: 0,
    return: 0, return_max: -Infinity, length: 0, policy_loss: 0, value_loss: 0, entropy: 0, mean_max_prob: 0,
  };
  p.step = r.step;
  p.wall_time = r.wall_time ?? 0;
  p.episodes++;
  for (const f of MEAN_FIELDS) p[f] += ((r[f] ?? 0) - p[f]) / p.episodes;
  p.return_max = Math.max(p.return_max, r.return);
  return p;
}

/** Pairs of consecutive points as one each: episode-weighted means, the later step and time. */
function mergeNeighbours(points: ChartPoint[]): ChartPoint[] {
  const out: ChartPoint[] = [];
  for (let i = 0; i + 1 < points.length; i += 2) {
    const a = points[i], b = points[i + 1];
    const episodes = a.episodes + b.episodes;
    const merged: ChartPoint = { ...b, episodes, return_max: Math.max(a.return_max, b.return_max) };
    for (const f of MEAN_FIELDS) merged[f] = (a[f] * a.episodes + b[f] * b.episodes) / episodes;
    out.push(merged);
  }
  if (points.length % 2 === 1) out.push(points[points.length - 1]);
  return out;
}
