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

const MEAN_FIELDS = ['return', 'length', 'policy_loss', 'value_loss', 'entropy', 'mean_max_prob'] as const;

/** Parses complete lines of metrics.jsonl; torn or foreign lines are skipped. */
export function parseEpisodeLines(text: string): Record<string, number>[] {
  const out: Record<string, number>[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const record = JSON.parse(line);
      if (record && typeof record.step === 'number' && typeof record.return === 'number') out.push(record);
    } catch { /* a line being written */ }
  }
  return out;
}

/** Averages consecutive episodes into at most `maxPoints` points, keeping the last step and time of each bucket. */
export function bucketEpisodes(records: Record<string, number>[], maxPoints: number): ChartPoint[] {
  if (records.length === 0) return [];
  const size = Math.max(1, Math.ceil(records.length / maxPoints));
  const points: ChartPoint[] = [];
  for (let start = 0; start < records.length; start += size) {
    const bucket = records.slice(start, start + size);
    const last = bucket[bucket.length - 1];
    const point: ChartPoint = {
      step: last.step, wall_time: last.wall_time ?? 0, episodes: bucket.length,
      return: 0, return_max: -Infinity, length: 0, policy_loss: 0, value_loss: 0, entropy: 0, mean_max_prob: 0,
    };
    for (const r of bucket) {
      for (const f of MEAN_FIELDS) point[f] += (r[f] ?? 0) / bucket.length;
      point.return_max = Math.max(point.return_max, r.return);
    }
    points.push(point);
  }
  return points;
}
