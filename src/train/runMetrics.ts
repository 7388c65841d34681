import type { MetricsSink } from '../metrics/sinks.js';
import type { EpisodeRecord } from './actorLearner.js';
import { describeError } from './runDirectory.js';

/**
 * The one place a run's metrics leave the coordinator: every episode and every scalar record
 * goes through here to all sinks. A sink that cannot write (disk full) must not stop training;
 * it is reported once.
 */
export class RunMetrics {
  private readonly failed = new Set<MetricsSink>();

  constructor(private readonly sinks: MetricsSink[], private readonly onWarning?: (message: string) => void) {}

  episode(record: EpisodeRecord, wallTime: number): void {
    this.each((sink) => sink.episode(record, wallTime));
  }

  scalars(step: number, wallTime: number, values: Record<string, number>): void {
    this.each((sink) => sink.scalars(step, wallTime, values));
  }

  flush(): void { this.each((sink) => sink.flush()); }
  close(): void { this.each((sink) => sink.close()); }

  private each(fn: (sink: MetricsSink) => void): void {
    for (const sink of this.sinks) {
      try {
        fn(sink);
      } catch (error) {
        if (!this.failed.has(sink)) this.onWarning?.(`metrics: ${describeError(error)} (training goes on; metrics may have gaps)`);
        this.failed.add(sink);
      }
    }
  }
}
