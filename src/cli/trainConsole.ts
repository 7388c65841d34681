import cliProgress from 'cli-progress';
import type { TrainConfig } from '../config.js';
import { KEYS, type MetricsRecord, type MetricsSink } from '../metrics/sinks.js';
import type { Progress, TrainSummary, WorkerFault } from '../train/coordinator.js';
import { formatInt, formatSeconds, shellQuote } from './format.js';

/**
 * What `a3c train` prints while it runs, in one of four styles: a progress bar (a budget was
 * given and stdout is a terminal), one line per episode (at most four a second), JSON lines for
 * scripts (`--json-logs`), or nothing (`--quiet`).
 */
export type ConsoleStyle = 'bar' | 'lines' | 'json' | 'quiet';

export interface TrainConsole {
  info(line: string): void;
  /** The console's sink of the metrics stream: episode lines, evaluations, JSON records. */
  sink: MetricsSink;
  tick(progress: Progress): void;
  checkpoint(path: string, milliseconds: number): void;
  workerFault(fault: WorkerFault): void;
  warning(message: string): void;
  finish(summary: TrainSummary, config: TrainConfig): void;
}

export function chooseStyle(options: { quiet: boolean; jsonLogs: boolean; hasBudget: boolean; isTTY: boolean }): ConsoleStyle {
  if (options.jsonLogs) return 'json';
  if (options.quiet) return 'quiet';
  return options.hasBudget && options.isTTY ? 'bar' : 'lines';
}

/** `command`: the subcommand that resumes the run (`serve` for the learner service). */
export function createTrainConsole(style: ConsoleStyle, config: TrainConfig, startSteps: number, out: NodeJS.WritableStream = process.stdout, command: 'train' | 'serve' = 'train'): TrainConsole {
  const write = (line: string) => { out.write(line + '\n'); };
  const json = (value: Record<string, unknown>) => write(JSON.stringify(value));
  let bar: { multi: cliProgress.MultiBar; bar: cliProgress.SingleBar } | null = null;
  // The bar follows the budget that ends first: steps when given, else time.
  const byTime = config.maxSteps === null;
  if (style === 'bar') {
    const multi = new cliProgress.MultiBar({
      format: `{bar} {percentage}% | {done} | {speed} steps/s | ETA {etaText} | mean100 {mean100}`,
      hideCursor: true, clearOnComplete: false, stream: out as NodeJS.WriteStream,
    }, cliProgress.Presets.shades_classic);
    const total = byTime ? config.maxSeconds! : config.maxSteps!;
    bar = { multi, bar: multi.create(total, byTime ? 0 : startSteps, fields(null)) };
  }
  let lastLine = 0;
  let lastProgress: Progress | null = null; // steps/s and elapsed time come from the ticks

  const sink: MetricsSink = {
    write(record: MetricsRecord) {
      if (style === 'json') {
        const { kind, ...rest } = record;
        json({ type: kind, ...rest });
        return;
      }
      if (style === 'quiet') return;
      const v = record.values;
      if (record.kind === 'eval') {
        const line = `a3c: evaluation at step ${formatInt(record.step)}: mean return ${v[KEYS.evalMeanReturn].toFixed(2)} ± ${v[KEYS.evalStdReturn].toFixed(2)} over ${v[KEYS.evalEpisodes]} episodes${v[KEYS.evalSavedBest] === 1 ? ' (the best so far: saved as best.safetensors)' : ''}${KEYS.evalConfirmationMeanReturn in v ? `; the saved file's confirming evaluation: ${v[KEYS.evalConfirmationMeanReturn].toFixed(2)}` : ''}`;
        if (style === 'bar') bar!.multi.log(line + '\n');
        else write(line);
        return;
      }
      if (style !== 'lines' || record.kind !== 'episode') return;
      const now = performance.now();
      if (now - lastLine < 250) return; // fast games finish hundreds of episodes a second
      lastLine = now;
      const speed = lastProgress ? formatInt(lastProgress.stepsPerSecond) : '–';
      write(`episode ${String(record.episode).padStart(6)} | score ${v[KEYS.episodeReturn].toFixed(1).padStart(6)} | avg ${v[KEYS.scoreAverage].toFixed(2).padStart(7)} | max ${v[KEYS.scoreMax].toFixed(1).padStart(6)} | mean100 ${v[KEYS.meanReturn100].toFixed(1).padStart(6)} | steps ${formatInt(record.step).padStart(10)} | ${speed} steps/s | ${formatSeconds(record.wall_time)}`);
    },
    flush() { /* written at once */ },
    close() { /* the console outlives the run */ },
  };

  function fields(p: Progress | null): Record<string, string> {
    if (!p) return { done: '', speed: '–', etaText: '–', mean100: '–' };
    const remaining = byTime ? config.maxSeconds! - p.sessionSeconds
      : p.stepsPerSecond > 0 ? (config.maxSteps! - p.globalSteps) / p.stepsPerSecond : Infinity;
    return {
      done: byTime ? `${formatSeconds(p.sessionSeconds)} / ${formatSeconds(config.maxSeconds!)}, ${formatInt(p.globalSteps)} steps` : `${formatInt(p.globalSteps)} / ${formatInt(config.maxSteps!)} steps`,
      speed: formatInt(p.stepsPerSecond),
      etaText: Number.isFinite(remaining) ? formatSeconds(Math.max(0, remaining)) : '–',
      mean100: p.episodes > 0 ? p.meanReturn100.toFixed(1) : '–',
    };
  }

  return {
    info(line) {
      if (style === 'json') json({ type: 'info', message: line });
      else if (style === 'bar') bar!.multi.log(line + '\n');
      else if (style === 'lines') write(line);
    },
    sink,
    tick(p) {
      lastProgress = p;
      if (!bar) return;
      const value = byTime ? Math.min(config.maxSeconds!, p.sessionSeconds) : Math.min(config.maxSteps!, p.globalSteps);
      bar.bar.update(value, fields(p));
    },
    checkpoint(path, milliseconds) {
      if (style === 'json') json({ type: 'checkpoint', path, milliseconds: Math.round(milliseconds) });
      else if (style === 'bar') bar!.multi.log(`a3c: checkpoint ${path} (${Math.round(milliseconds)} ms)\n`);
      else if (style === 'lines') write(`a3c: checkpoint ${path} (${Math.round(milliseconds)} ms)`);
    },
    workerFault(f) {
      if (style === 'json') {
        json({ type: 'worker_fault', ...f });
        return;
      }
      const recovery = { none: '', released: '; it held the lock, released', 'completed-update': '; it died inside an update, which was completed' }[f.recovery];
      const line = `a3c: worker ${f.rank} failed: ${f.cause}${recovery}; ${f.restarting ? 'restarting it with a fresh environment and the global weights' : 'not restarting'}`;
      if (style === 'bar') bar!.multi.log(line + '\n');
      else process.stderr.write(line + '\n');
    },
    warning(message) {
      if (style === 'json') json({ type: 'warning', message });
      else if (style === 'bar') bar!.multi.log(`a3c: warning: ${message}\n`);
      else process.stderr.write(`a3c: warning: ${message}\n`);
    },
    finish(summary, c) {
      if (bar) {
        bar.bar.update(byTime ? Math.min(c.maxSeconds!, summary.sessionSeconds) : Math.min(c.maxSteps!, summary.globalSteps), fields(summary));
        bar.multi.stop();
      }
      if (style === 'json') {
        const { timings: _timings, ...rest } = summary;
        json({ type: 'summary', ...rest });
        return;
      }
      if (style === 'quiet') return;
      const reason = { steps: 'step budget reached', time: 'time budget reached', target: 'target return reached', interrupted: 'interrupted' }[summary.stopReason];
      write(`a3c: ${reason} after ${formatSeconds(summary.seconds)}: ${formatInt(summary.globalSteps)} steps, ${formatInt(summary.episodes)} episodes, ${formatInt(summary.stepsPerSecond)} steps/s, mean return (last 100) ${summary.meanReturn100.toFixed(2)}`);
      const solved = summary.solved;
      if (solved) write(`a3c: solved (target ${c.targetReturn}) in ${solved.seconds.toFixed(1)} s and ${formatInt(solved.steps)} steps: ${solved.weightsPath} (the weights at step ${formatInt(solved.weightsStep)}) scored ${solved.meanReturn.toFixed(2)} over ${solved.episodes} evaluation episodes of the saved file`);
      else if (summary.best) write(`a3c: best evaluated weights ${summary.best.path} (step ${formatInt(summary.best.step)}): mean return ${summary.best.meanReturn.toFixed(2)} over ${summary.best.episodes} episodes${c.targetReturn !== null ? `, below the target ${c.targetReturn}` : ''}`);
      if (summary.skippedUpdates > 0) write(`a3c: ${summary.skippedUpdates} updates skipped for non-finite gradients`);
      if (summary.workerRestarts > 0) write(`a3c: ${summary.workerRestarts} worker restarts`);
      write(`a3c: checkpoint ${summary.checkpointPath}; weights ${summary.weightsPath}`);
      write(`a3c: continue with: a3c ${command} --resume ${shellQuote(summary.runDir)}${summary.stopReason === 'steps' ? ' --max-steps <more>' : ''}`);
    },
  };
}
