import { readFileSync } from 'node:fs';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface CurvePoint {
  series: string;
  steps: number;
  hours: number;
  score: number;
}

/** One finished episode as a learning curve needs it. */
export interface EpisodeReturn {
  step: number;
  wall_time: number;
  return: number;
}

/**
 * The mean of the last `window` returns after every k-th episode of a run, with k chosen so a
 * curve has at most about `maxPoints` points (at least every 10th episode). `forEachEpisode`
 * streams the run's episodes (metrics/records reads metrics.jsonl); it is called twice (count,
 * then curve), so the file is never held whole.
 */
export function rollingCurve(forEachEpisode: (fn: (e: EpisodeReturn) => void) => void, series: string, window = 100, maxPoints = 2000): CurvePoint[] {
  let count = 0;
  forEachEpisode(() => { count++; });
  const every = Math.max(10, Math.ceil(count / maxPoints));
  const recent = new Float64Array(window);
  const points: CurvePoint[] = [];
  let sum = 0, i = 0;
  forEachEpisode((e) => {
    sum += e.return - (i >= window ? recent[i % window] : 0);
    recent[i % window] = e.return;
    if (i % every === every - 1 || i === count - 1) {
      points.push({ series, steps: e.step, hours: e.wall_time / 3600, score: sum / Math.min(window, i + 1) });
    }
    i++;
  });
  return points;
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

/** A curve's score (mean of the last 100 episodes) where it first reaches a number of agent steps. */
export interface CurveReading {
  steps: number;
  /** null: the run never got that far. */
  score: number | null;
  hours: number | null;
}

/**
 * The rolling mean of the last `window` returns at the first episode that ends at or after each
 * of `targets` agent steps, and at the run's last episode.
 */
export function readCurve(forEachEpisode: (fn: (e: EpisodeReturn) => void) => void, targets: number[], window = 100): { at: CurveReading[]; last: CurveReading | null } {
  const at: CurveReading[] = targets.map((steps) => ({ steps, score: null, hours: null }));
  const recent = new Float64Array(window);
  let sum = 0, i = 0;
  let last: CurveReading | null = null;
  forEachEpisode((e) => {
    sum += e.return - (i >= window ? recent[i % window] : 0);
    recent[i % window] = e.return;
    i++;
    const score = sum / Math.min(window, i);
    for (const reading of at) if (reading.score === null && e.step >= reading.steps) Object.assign(reading, { score, hours: e.wall_time / 3600 });
    last = { steps: e.step, score, hours: e.wall_time / 3600 };
  });
  return { at, last };
}

/** The book run's score where it first reaches each of `targets` agent steps (its CSV is already a rolling mean). */
export function readBookCurve(targets: number[]): CurveReading[] {
  const book = bookCurve();
  return targets.map((steps) => {
    const point = book.find((p) => p.steps >= steps);
    return point ? { steps, score: point.score, hours: point.hours } : { steps, score: null, hours: null };
  });
}
