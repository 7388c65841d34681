import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EpisodeRecord } from '../train/actorLearner.js';
import { AtomicWriter } from '../io/atomicFile.js';
import { forEachLine, parseRecord } from '../io/lines.js';
import { AppendFile } from './appendFile.js';
import { TfEventsWriter } from './tfevents.js';

/**
 * The metrics stream of a run: episode records as they end and periodic scalars (speed,
 * learning rate), fanned out to sinks: metrics.jsonl, TensorBoard event files, the console.
 */
export interface MetricsSink {
  episode(record: EpisodeRecord, wallTime: number): void;
  scalars(step: number, wallTime: number, values: Record<string, number>): void;
  /** Hands buffered output to the OS (called a few times a second). */
  flush(): void;
  close(): void;
}

export const METRICS_FILE = 'metrics.jsonl';

/** TensorBoard tags for an episode: the reference's three (score, average max probability, length), plus losses. */
export function episodeScalars(record: EpisodeRecord): Record<string, number> {
  return {
    'charts/episode_return': record.return,
    'charts/episode_length': record.length,
    'charts/mean_max_prob': record.meanMaxProb,
    'charts/score_average': record.scoreAverage,
    'losses/policy': record.policyLoss,
    'losses/value': record.valueLoss,
    'losses/entropy': record.entropy,
  };
}

/** One JSON object per episode, the file `a3c plot` and the dashboard read. */
export class JsonlSink implements MetricsSink {
  private readonly file: AppendFile;

  constructor(runDir: string) {
    this.file = new AppendFile(join(runDir, METRICS_FILE));
  }

  episode(record: EpisodeRecord, wallTime: number): void {
    this.file.write(JSON.stringify({
      step: record.step, wall_time: round(wallTime, 3), worker: record.worker, episode: record.episode,
      return: record.return, length: record.length, mean_max_prob: round(record.meanMaxProb, 4),
      policy_loss: round(record.policyLoss, 5), value_loss: round(record.valueLoss, 5), entropy: round(record.entropy, 5),
    }) + '\n');
  }

  scalars(): void { /* speed and learning rate are derivable from the episodes; TensorBoard gets them */ }
  flush(): void { this.file.flush(); }
  close(): void { this.file.close(); }
}

export class TensorBoardSink implements MetricsSink {
  private readonly writer: TfEventsWriter;

  constructor(runDir: string) {
    this.writer = new TfEventsWriter(runDir);
  }

  episode(record: EpisodeRecord, wallTime: number): void {
    this.writer.scalars(record.step, wallTime, episodeScalars(record));
  }

  scalars(step: number, wallTime: number, values: Record<string, number>): void {
    this.writer.scalars(step, wallTime, values);
  }

  flush(): void { this.writer.flush(); }
  close(): void { this.writer.close(); }
}

/**
 * After a hard stop the metrics file runs past the checkpoint a resumed run starts from;
 * dropping the later lines keeps the curve continuous instead of repeating those episodes.
 * Lines are kept by episode number, not step: an episode that ended just after the checkpoint's
 * snapshot, with no step in between, has the checkpoint's step but the next number (the soak
 * test found it written twice when truncating by step).
 */
export function truncateMetrics(runDir: string, lastEpisode: number): number {
  const path = join(runDir, METRICS_FILE);
  if (!existsSync(path)) return 0;
  const out = new AtomicWriter(path);
  let dropped = 0;
  let pending: string[] = [];
  const flush = () => { out.write(Buffer.from(pending.join(''), 'utf8')); pending = []; };
  try {
    forEachLine(path, (line) => {
      const episode = parseRecord(line)?.episode ?? Number.POSITIVE_INFINITY; // a torn last line goes
      if (episode <= lastEpisode) pending.push(line + '\n');
      else dropped++;
      if (pending.length >= 10_000) flush();
    });
    flush();
    out.commit();
  } catch (error) {
    out.abort();
    throw error;
  }
  return dropped;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
