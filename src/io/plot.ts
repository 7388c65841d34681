import { readFileSync } from 'node:fs';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface CurvePoint {
  series: string;
  steps: number;
  hours: number;
  score: number;
}

/** Mean of the last `window` returns after each episode, every `every`-th episode. */
export function rollingCurve(episodes: { step: number; wall_time: number; return: number }[], series: string, window = 100, every = 10): CurvePoint[] {
  const points: CurvePoint[] = [];
  let sum = 0;
  episodes.forEach((e, i) => {
    sum += e.return;
    if (i >= window) sum -= episodes[i - window].return;
    if (i % every === every - 1 || i === episodes.length - 1) {
      points.push({ series, steps: e.step, hours: e.wall_time / 3600, score: sum / Math.min(window, i + 1) });
    }
  });
  return points;
}

/** Reads a run's metrics.jsonl, skipping a torn last line (a run killed mid-write). */
export function readEpisodes(path: string): { step: number; wall_time: number; return: number }[] {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const episodes = [];
  for (const line of lines) {
    try { episodes.push(JSON.parse(line)); } catch { /* torn line */ }
  }
  return episodes;
}

/** The reference run's curve (data/book-breakout-a3c-curve.csv). */
export function bookCurve(): CurvePoint[] {
  const text = readFileSync(new URL('../../../data/book-breakout-a3c-curve.csv', import.meta.url), 'utf8');
  return text.trim().split('\n').slice(1).map((line) => {
    const [, steps, hours, score] = line.split(',').map(Number);
    return { series: 'book (Keras, 16 threads)', steps, hours, score };
  });
}

/**
 * Two panels, score (mean of the last 100 episodes) against agent steps and against wall-clock
 * hours, with a dashed rule at the random policy's mean score. Returns SVG text.
 */
export async function learningCurveSvg(curves: CurvePoint[], randomScore: number | null, title: string, maxSteps?: number): Promise<string> {
  const stepLimit = maxSteps ?? Math.max(...curves.filter((c) => !c.series.startsWith('book')).map((c) => c.steps));
  const hourLimit = Math.max(...curves.filter((c) => !c.series.startsWith('book')).map((c) => c.hours));
  const color = { field: 'series', type: 'nominal' as const, title: null, legend: { orient: 'bottom' as const, labelLimit: 400, columns: 1 } };
  const rule = (limit: number) => randomScore === null ? [] : [{
    data: { values: [{ score: randomScore, label: `random policy ${randomScore.toFixed(2)}` }] },
    layer: [
      { mark: { type: 'rule' as const, strokeDash: [6, 4], color: 'gray' }, encoding: { y: { field: 'score', type: 'quantitative' as const } } },
      { mark: { type: 'text' as const, align: 'right' as const, dx: -4, dy: -6, color: 'gray' }, encoding: { y: { field: 'score', type: 'quantitative' as const }, x: { datum: limit, type: 'quantitative' as const }, text: { field: 'label' } } },
    ],
  }];
  const panel = (x: 'steps' | 'hours', limit: number, xTitle: string) => ({
    width: 420, height: 300,
    layer: [
      {
        data: { values: curves.filter((c) => c[x] <= limit * 1.02) },
        mark: { type: 'line' as const, strokeWidth: 2 },
        encoding: {
          x: { field: x, type: 'quantitative' as const, title: xTitle, scale: { domain: [0, limit] } },
          y: { field: 'score', type: 'quantitative' as const, title: 'score (mean of last 100 episodes)' },
          color,
        },
      },
      ...rule(limit),
    ],
  });
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    hconcat: [panel('steps', stepLimit, 'agent steps'), panel('hours', hourLimit, 'wall-clock hours')],
    config: { font: 'sans-serif', background: 'white' },
  } as unknown as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}
