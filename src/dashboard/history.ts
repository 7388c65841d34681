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

/** Parses complete lines of metrics.jsonl into episodes; torn, foreign and non-episode lines are skipped. */
export function parseEpisodeLines(text: string): Record<string, number>[] {
  const out: Record<string, number>[] = [];
  for (const line of text.split('\n')) {
    const record = parseRecordLine(line); // a line being written is skipped
    if (record && record.kind === 'episode' && typeof record.values[KEYS.episodeReturn] === 'number') out.push(chartFields(record));
  }
  return out;
}

/** Averages consecutive episodes into at most `maxPoints` points, keeping the last step and time of each bucket. */
export function bucketEpisodes(records: Record<string, number>[], maxPoints: number): ChartPoint[] {
  const buckets = new Buckets(Math.max(1, Math.ceil(records.length / maxPoints)));
  for (const r of records) buckets.add(r);
  return buckets.finish();
}

/** The same for a whole metrics file, streamed twice (count, then buckets), never held whole. */
export function bucketEpisodesFromFile(path: string, maxPoints: number): { points: ChartPoint[]; episodes: number } {
  let count = 0;
  forEachEpisodeRecord(path, () => { count++; });
  const buckets = new Buckets(Math.max(1, Math.ceil(count / maxPoints)));
  forEachEpisodeRecord(path, (r) => buckets.add(chartFields(r)));
  return { points: buckets.finish(), episodes: count };
}

/** Running averages of `size` consecutive episodes per point. */
class Buckets {
  private readonly points: ChartPoint[] = [];
  private current: ChartPoint | null = null;

  constructor(private readonly size: number) {}

  add(r: Record<string, number>): void {
    const p = this.current ??= {
      step: 0, wall_time: 0, episodes: 0,
      return: 0, return_max: -Infinity, length: 0, policy_loss: 0, value_loss: 0, entropy: 0, mean_max_prob: 0,
    };
    p.step = r.step;
    p.wall_time = r.wall_time ?? 0;
    p.episodes++;
    for (const f of MEAN_FIELDS) p[f] += ((r[f] ?? 0) - p[f]) / p.episodes;
    p.return_max = Math.max(p.return_max, r.return);
    if (p.episodes === this.size) {
      this.points.push(p);
      this.current = null;
    }
  }

  finish(): ChartPoint[] {
    if (this.current) this.points.push(this.current);
    this.current = null;
    return this.points;
  }
}
