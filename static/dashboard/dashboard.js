// The a3c dashboard page: charts from /api/history, then live points and frames from /events.
/* global uPlot */
'use strict';

const MAX_POINTS = 4000;
const state = { points: [], frames: 0, charts: [] };
window.dashboardState = state;

/** Halves the series when it grows too long by merging neighbours (episode-weighted means). */
function compact(points) {
  const out = [];
  for (let i = 0; i + 1 < points.length; i += 2) {
    const a = points[i], b = points[i + 1], n = a.episodes + b.episodes;
    const merged = { ...b, episodes: n, return_max: Math.max(a.return_max, b.return_max) };
    for (const f of ['return', 'length', 'policy_loss', 'value_loss', 'entropy', 'mean_max_prob']) merged[f] = (a[f] * a.episodes + b[f] * b.episodes) / n;
    out.push(merged);
  }
  if (points.length % 2) out.push(points[points.length - 1]);
  return out;
}

function stepsPerSecond(points) {
  return points.map((p, i) => {
    if (i === 0) return null;
    const q = points[i - 1];
    const dt = p.wall_time - q.wall_time;
    return dt > 0 ? (p.step - q.step) / dt : null;
  });
}

/** Mean return of the last 100 episodes at each point (points may hold several episodes each). */
function mean100(points) {
  return points.map((_, i) => {
    let episodes = 0, sum = 0;
    for (let j = i; j >= 0 && episodes < 100; j--) {
      const take = Math.min(points[j].episodes, 100 - episodes);
      sum += points[j].return * take;
      episodes += take;
    }
    return sum / episodes;
  });
}

const chartSpecs = [
  { id: 'chart-return', title: 'episode return', series: [['return', (p) => p.map((x) => x.return), '#aec7e8'], ['mean of last 100', mean100, '#1f77b4']] },
  { id: 'chart-length', title: 'episode length (agent steps)', series: [['length', (p) => p.map((x) => x.length), '#2ca02c']] },
  { id: 'chart-speed', title: 'agent steps per second', series: [['steps/s', stepsPerSecond, '#ff7f0e']] },
  { id: 'chart-value', title: 'value loss', series: [['value', (p) => p.map((x) => x.value_loss), '#d62728']] },
  { id: 'chart-policy', title: 'policy loss, entropy, mean max probability', series: [['policy', (p) => p.map((x) => x.policy_loss), '#9467bd'], ['entropy', (p) => p.map((x) => x.entropy), '#8c564b'], ['max prob', (p) => p.map((x) => x.mean_max_prob), '#e377c2']] },
];

function makeCharts() {
  for (const spec of chartSpecs) {
    const element = document.getElementById(spec.id);
    const options = {
      title: spec.title, width: Math.max(440, element.clientWidth - 10), height: 220,
      scales: { x: { time: false } },
      axes: [{ label: 'agent steps' }, {}],
      series: [{ label: 'step' }, ...spec.series.map(([label, , stroke]) => ({ label, stroke, width: 1.5, points: { show: false } }))],
    };
    state.charts.push({ spec, plot: new uPlot(options, [[], ...spec.series.map(() => [])], element) });
  }
}

function redraw() {
  const xs = state.points.map((p) => p.step);
  for (const { spec, plot } of state.charts) plot.setData([xs, ...spec.series.map(([, get]) => get(state.points))]);
  const last = state.points[state.points.length - 1];
  if (last) {
    const speed = stepsPerSecond(state.points.slice(-2))[1];
    const episodes = state.points.reduce((n, p) => n + p.episodes, 0);
    document.getElementById('status').textContent =
      `${last.step.toLocaleString()} steps · ${episodes.toLocaleString()} episodes · ` +
      `last return ${last.return.toFixed(1)} · ${speed ? Math.round(speed).toLocaleString() : '–'} steps/s · ${(last.wall_time / 60).toFixed(1)} min`;
  }
}

function showFrame(version) {
  const image = new Image();
  image.onload = () => {
    const canvas = document.getElementById('game');
    if (canvas.width !== image.width * 2) { canvas.width = image.width * 2; canvas.height = image.height * 2; }
    const context = canvas.getContext('2d');
    context.imageSmoothingEnabled = false;
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    state.frames++;
  };
  image.src = `/live.png?v=${version}`;
}

async function start() {
  makeCharts();
  const history = await (await fetch('/api/history')).json();
  if (history.config) document.getElementById('run').textContent = `${history.config.env} · net ${history.config.net} · ${history.config.workers} workers · ${history.runDir}`;
  state.points = history.points;
  redraw();
  showFrame(Date.now()); // whatever frame the run left, live or last
  const events = new EventSource('/events');
  events.addEventListener('episodes', (event) => {
    state.points.push(...JSON.parse(event.data));
    while (state.points.length > MAX_POINTS) state.points = compact(state.points);
    redraw();
  });
  events.addEventListener('frame', (event) => showFrame(JSON.parse(event.data).version));
  const reload = async () => {
    state.points = (await (await fetch('/api/history')).json()).points;
    redraw();
  };
  events.addEventListener('reload', reload);
  // After a reconnect (the server ends streams now and then, or restarted) episodes may have been missed.
  let opened = false;
  events.onopen = () => {
    if (opened) reload();
    opened = true;
  };
  events.onerror = () => { document.getElementById('status').textContent += ' (reconnecting…)'; };
}

start();
