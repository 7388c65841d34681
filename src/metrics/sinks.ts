import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AtomicWriter } from '../io/atomicFile.js';
import { forEachLine } from '../io/lines.js';
import { AppendFile } from './appendFile.js';
import { formatRecordLine, parseRecordLine, type MetricsRecord } from './records.js';
import { TfEventsWriter } from './tfevents.js';

export { KEYS, type MetricsRecord, type RecordKind } from './records.js';

/**
 * A consumer of the metrics stream: metrics.jsonl, TensorBoard event files, the console. Every
 * sink receives the same records (episodes, periodic scalars, evaluations) with the same keys.
 */
export interface MetricsSink {
  write(record: MetricsRecord): void;
  /** Hands buffered output to the OS (called a few times a second). */
  flush(): void;
  close(): void;
}

export const METRICS_FILE = 'metrics.jsonl';

/** Every record as one JSON line: the file `a3c plot`, the dashboard and resume read. */
export class JsonlSink implements MetricsSink {
  private readonly file: AppendFile;

  constructor(runDir: string) {
    this.file = new AppendFile(join(runDir, METRICS_FILE));
  }

  write(record: MetricsRecord): void { this.file.write(formatRecordLine(record)); }
  flush(): void { this.file.flush(); }
  close(): void { this.file.close(); }
}

/** Every record as one TensorBoard event: its values are the event's scalar summaries, tagged by key. */
export class TensorBoardSink implements MetricsSink {
  private readonly writer: TfEventsWriter;

  constructor(runDir: string) {
    this.writer = new TfEventsWriter(runDir);
  }

  write(record: MetricsRecord): void { this.writer.scalars(record.step, record.wall_time, record.values); }
  flush(): void { this.writer.flush(); }
  close(): void { this.writer.close(); }
}

/**
 * After a hard stop the metrics file runs past the checkpoint a resumed run starts from;
 * dropping the later lines keeps the curve continuous instead of repeating those episodes.
 * Episode lines (of the stream or written before it) are kept by episode number, not step: an
 * episode that ended just after the checkpoint's snapshot, with no step in between, has the
 * checkpoint's step but the next number (the soak test found it written twice when truncating
 * by step). Other records (scalars, evaluations) are kept up to the checkpoint's step.
 */
export function truncateMetrics(runDir: string, lastEpisode: number, lastStep = Number.POSITIVE_INFINITY): number {
  const path = join(runDir, METRICS_FILE);
  if (!existsSync(path)) return 0;
  const out = new AtomicWriter(path);
  let dropped = 0;
  let pending: string[] = [];
  const flush = () => { out.write(Buffer.from(pending.join(''), 'utf8')); pending = []; };
  try {
    forEachLine(path, (line) => {
      const record = parseRecordLine(line); // a torn last line goes
      const keep = record !== null && (record.kind === 'episode' ? record.episode! <= lastEpisode : record.step <= lastStep);
      if (keep) pending.push(line + '\n');
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
