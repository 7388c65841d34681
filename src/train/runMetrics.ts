import type { MetricsRecord, MetricsSink } from '../metrics/sinks.js';
import type { EpisodeRecord } from './actorLearner.js';
import { episodeMetrics } from './episodeMetrics.js';
import { evalMetrics, type EvalReport } from './evaluator.js';
import { describeError } from './runDirectory.js';

/**
 * The one place a run's metrics leave the coordinator: every episode, periodic scalar record
 * and evaluation becomes one record of the metrics stream and goes through here to all sinks.
 * A sink that cannot write (disk full) must not stop training; it is reported once.
 */
export class RunMetrics {
  private readonly failed = new Set<MetricsSink>();

  constructor(private readonly sinks: MetricsSink[], private readonly onWarning?: (message: string) => void) {}

  /** A finished episode, with the mean of the last 100 returns after it. */
  episode(record: EpisodeRecord, wallTime: number, meanReturn100: number): void {
    this.write(episodeMetrics(record, wallTime, meanReturn100));
  }

  scalars(step: number, wallTime: number, values: Record<string, number>): void {
    this.write({ kind: 'scalars', step, wall_time: wallTime, values });
  }

  evaluation(report: EvalReport, wallTime: number): void {
    this.write(evalMetrics(report, wallTime));
  }

  write(record: MetricsRecord): void { this.each((sink) => sink.write(record)); }
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
