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

import { parseRecord } from '../io/lines.js';

const MEAN_FIELDS = ['return', 'length', 'policy_loss', 'value_loss', 'entropy', 'mean_max_prob'] as const;

/**
 * The episode in one metrics line, or null for a torn line, a foreign one, or a record of
 * another kind (the file may carry evaluations or scalars next to episodes).
 */
export function parseEpisodeLine(line: string): Record<string, number> | null {
  if (!line.includes('"return"')) return null; // most foreign lines, without paying for JSON.parse
  const record = parseRecord(line);
  if (!record || typeof record.return !== 'number') return null;
  const kind = (record as Record<string, unknown>).kind;
  return kind === undefined || kind === 'episode' ? record : null;
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
