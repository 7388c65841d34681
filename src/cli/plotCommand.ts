import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { bookCurve, learningCurveSvg, readBookCurve, readCurve, rollingCurve, type CurvePoint, type CurveReading } from '../io/plot.js';
import { forEachEpisodeReturn } from '../metrics/records.js';
import { evaluateRandom } from '../presetEngine.js';
import { loadRunConfig } from '../train/evaluate.js';
import { METRICS_FILE } from '../train/coordinator.js';
import { parseFlags } from './flags.js';

const plotFlags = z.object({
  out: z.string().min(1).optional(),
  randomEpisodes: z.coerce.number().int().min(0).max(10000).default(100),
  title: z.string().optional(),
  at: z.string().regex(/^\d+(,\d+)*$/, 'a comma-separated list of agent steps, e.g. 500000,1000000').default('500000,1000000,2000000'),
});

const formatSteps = (steps: number): string => steps >= 1e6 ? `${+(steps / 1e6).toFixed(2)}M` : steps >= 1e3 ? `${+(steps / 1e3).toFixed(1)}k` : String(steps);
const formatReading = (r: CurveReading): string => r.score === null ? '-' : `${r.score.toFixed(2)} (${r.hours!.toFixed(2)} h)`;

/** Adds `a3c plot <run-dir...>`: learning curves as SVG, against the book's run for Breakout. */
export function addPlotCommand(program: Command): void {
  program.command('plot')
    .description('draw learning curves (mean score of the last 100 episodes) as SVG; Breakout runs are overlaid on the book run')
    .argument('<run-dirs...>', 'one or more directories written by a3c train')
    .option('--out <file>', 'output SVG (default: <first run-dir>/learning-curve.svg)')
    .option('--random-episodes <n>', 'episodes of random play for the baseline (0: none)', '100')
    .option('--title <text>', 'chart title')
    .option('--at <steps>', 'also print each curve\'s score at these agent steps (comma-separated)', '500000,1000000,2000000')
    .action(async (runDirs: string[], options: Record<string, unknown>) => {
      const o = parseFlags(plotFlags, options);
      const configs = runDirs.map((dir) => loadRunConfig(dir));
      const curves: CurvePoint[] = [];
      runDirs.forEach((dir, i) => {
        const c = configs[i];
        const label = `a3c: ${c.env} ${c.net}, ${c.workers} worker${c.workers > 1 ? 's' : ''}${c.lifeLossTerminal ? ', terminal lives' : ''}`;
        curves.push(...rollingCurve((fn) => forEachEpisodeReturn(join(dir, METRICS_FILE), fn), runDirs.length > 1 ? `${label} (${basename(dir)})` : label));
      });
      if (curves.length === 0) throw new Error(`no finished episodes in ${runDirs.join(', ')}: nothing to plot`);
      const env = configs[0].env;
      if (env === 'breakout') curves.push(...bookCurve());
      const random = o.randomEpisodes > 0 ? evaluateRandom(env, o.randomEpisodes, 1).mean_return : null;
      const svg = await learningCurveSvg(curves, random, o.title ?? `A3C on ${env}`);
      const out = o.out ?? join(runDirs[0], 'learning-curve.svg');
      try {
        writeFileSync(out, svg);
      } catch (error) {
        throw Object.assign(error as Error, { path: (error as NodeJS.ErrnoException).path ?? out }); // a full disk names the file
      }
      const targets = o.at.split(',').map(Number);
      const lines = [`a3c: mean of the last 100 episodes (hours of training) at ${targets.map(formatSteps).join(' / ')} agent steps, and at the last episode:`];
      for (const dir of runDirs) {
        const { at, last } = readCurve((fn) => forEachEpisodeReturn(join(dir, METRICS_FILE), fn), targets);
        lines.push(`  ${basename(dir)}: ${at.map(formatReading).join(' / ')}; last: ${last ? `${formatReading(last)} at ${formatSteps(last.steps)}` : '-'}`);
      }
      if (env === 'breakout') lines.push(`  book (Keras, 16 threads): ${readBookCurve(targets).map(formatReading).join(' / ')}`);
      process.stdout.write(`${lines.join('\n')}\n`);
      process.stdout.write(`a3c: wrote ${out}${random !== null ? ` (random policy: ${random.toFixed(2)} over ${o.randomEpisodes} episodes)` : ''}\n`);
    });
}
