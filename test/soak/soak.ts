/**
 * Soak test: trains for a while as a chaos driver (1) has the workers inject faults (crashes,
 * exits inside updates, NaN gradients, via A3C_CHAOS and the preloaded src/train/chaos.ts) and (2) SIGKILLs the whole process at
 * random moments and resumes it. At the end it checks that the counters only moved forward,
 * every checkpoint loads, and the learning curve is continuous, and prints the figures.
 *
 *   npm run soak -- --minutes 10 [--env cartpole|breakout] [--net small] [--workers 3] [--kill-every 20]
 *
 * `npm test` runs a short variant (test/soak/soak.test.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { forEachRecord } from '../../src/io/lines.js';
import { forEachEpisodeRecord } from '../../src/metrics/records.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildActorCritic } from '../../src/agents/networks.js';
import { networkSpec } from '../../src/presets.js';
import { listCheckpoints, readCheckpoint } from '../../src/train/checkpoint.js';
import { Rng } from '../../src/util/rng.js';
import type { TrainConfig } from '../../src/config.js';

export interface SoakOptions {
  seconds: number;
  env: string;
  net?: string;
  workers: number;
  /** Mean seconds between SIGKILLs of the whole process. */
  killEvery: number;
  checkpointEvery: number;
  chaos: Record<string, number>;
  seed: number;
  runDir?: string;
  log?: (line: string) => void;
}

export interface SoakReport {
  runDir: string;
  seconds: number;
  segments: number;
  sigkills: number;
  workerFaults: number;
  faultsByRecovery: Record<string, number>;
  skippedUpdates: number;
  globalSteps: number;
  episodes: number;
  stepsLostTotal: number;
  stepsLostMax: number;
  /** Training seconds between the newest checkpoint and the last flushed episode at a SIGKILL, at most. */
  secondsLostMax: number;
  checkpointsVerified: number;
  problems: string[];
}

const cli = fileURLToPath(new URL('../../../bin/a3c.js', import.meta.url));
/** Preloaded into each training process: injects the faults A3C_CHAOS describes. */
const chaosModule = fileURLToPath(new URL('../../src/train/chaos.js', import.meta.url));
const layoutFor = (config: TrainConfig) => buildActorCritic(networkSpec(config, config.env === 'cartpole' ? 2 : 3), 1, undefined, 'js').tensors();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The highest step and training time in metrics.jsonl (streamed: long CartPole runs write millions of episodes). */
function lastRecorded(runDir: string): { step: number; seconds: number } {
  const last = { step: 0, seconds: 0 };
  try {
    forEachRecord(join(runDir, 'metrics.jsonl'), (e) => {
      last.step = Math.max(last.step, e.step);
      last.seconds = Math.max(last.seconds, e.wall_time);
    });
  } catch { /* not written yet */ }
  return last;
}

export async function soak(o: SoakOptions): Promise<SoakReport> {
  const runDir = o.runDir ?? join(mkdtempSync(join(tmpdir(), 'a3c-soak-')), 'run');
  const log = o.log ?? (() => {});
  const rng = new Rng(o.seed);
  const report: SoakReport = {
    runDir, seconds: 0, segments: 0, sigkills: 0, workerFaults: 0, faultsByRecovery: {}, skippedUpdates: 0,
    globalSteps: 0, episodes: 0, stepsLostTotal: 0, stepsLostMax: 0, secondsLostMax: 0, checkpointsVerified: 0, problems: [],
  };
  const started = performance.now();
  const deadline = started + o.seconds * 1000;
  let lastCheckpointSteps = -1;

  while (performance.now() < deadline) {
    const first = report.segments === 0;
    const args = first
      ? ['train', o.env, ...(o.net ? ['--net', o.net] : []), '--workers', String(o.workers), '--seed', String(o.seed), '--target-return', 'none', '--run-dir', runDir]
      : ['train', '--resume', runDir];
    args.push('--checkpoint-every', String(o.checkpointEvery), '--keep-checkpoints', '1000', '--json-logs');
    const child = spawn(process.execPath, ['--import', chaosModule, cli, ...args], { env: { ...process.env, A3C_CHAOS: JSON.stringify({ maxRestarts: 1000, ...o.chaos, seed: o.seed + report.segments }) }, stdio: ['ignore', 'pipe', 'pipe'] });
    report.segments++;
    let stdout = '', stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

    // Kills and the graceful stop are aimed at a running trainer, not at one still starting on a
    // loaded machine: the clock starts at its start line (its SIGTERM handler exists from then).
    await Promise.race([exit, new Promise<void>((resolve) => child.stdout.on('data', () => { if (stdout.includes('\n')) resolve(); }))]);
    const lastSegment = performance.now() + o.killEvery * 1000 * 1.5 > deadline;
    const runFor = lastSegment ? Math.max(1000, deadline - performance.now()) : o.killEvery * 1000 * rng.uniform(0.5, 1.5);
    const ended = await Promise.race([exit, sleep(runFor).then(() => null)]);
    if (ended) {
      report.problems.push(`segment ${report.segments} ended by itself (code ${ended.code}): ${stderr.trim().split('\n').pop()}`);
      break;
    }
    if (lastSegment) {
      child.kill('SIGTERM');
      const { code } = await exit;
      if (code !== 0) report.problems.push(`SIGTERM exit code ${code}: ${stderr.trim()}`);
    } else {
      child.kill('SIGKILL');
      await exit;
      report.sigkills++;
    }
    // What the killed process had flushed (metrics reach the disk every 250 ms) against the checkpoint it resumes from.
    const atKill = lastRecorded(runDir);
    for (const line of stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      const event = JSON.parse(line);
      if (event.type === 'worker_fault') {
        report.workerFaults++;
        report.faultsByRecovery[event.recovery] = (report.faultsByRecovery[event.recovery] ?? 0) + 1;
      }
    }
    const files = listCheckpoints(runDir);
    if (files.length === 0) {
      report.problems.push(`no checkpoint after segment ${report.segments}`);
      break;
    }
    const newest = readCheckpoint(files[files.length - 1], layoutFor);
    if (newest.state.globalSteps < lastCheckpointSteps) report.problems.push(`counters went back: ${newest.state.globalSteps} < ${lastCheckpointSteps}`);
    lastCheckpointSteps = newest.state.globalSteps;
    if (!lastSegment) {
      const lost = Math.max(0, atKill.step - newest.state.globalSteps);
      report.stepsLostTotal += lost;
      report.stepsLostMax = Math.max(report.stepsLostMax, lost);
      report.secondsLostMax = Math.max(report.secondsLostMax, atKill.seconds - newest.state.seconds);
    }
    log(`segment ${report.segments}: ${lastSegment ? 'SIGTERM' : 'SIGKILL'} at ${atKill.step} steps (${atKill.seconds.toFixed(1)} s); newest checkpoint ${newest.state.globalSteps} steps (${newest.state.seconds.toFixed(1)} s); worker faults so far ${report.workerFaults}`);
  }

  // Every checkpoint loads, in order, with counters that only move forward.
  let previous: { steps: number; episodes: number; updates: number } | null = null;
  for (const file of listCheckpoints(runDir)) {
    try {
      const { state } = readCheckpoint(file, layoutFor);
      if (previous && (state.globalSteps < previous.steps || state.episodes < previous.episodes || state.updates < previous.updates)) {
        report.problems.push(`${file}: counters behind the previous checkpoint`);
      }
      previous = { steps: state.globalSteps, episodes: state.episodes, updates: state.updates };
      report.skippedUpdates = state.skippedUpdates;
      report.checkpointsVerified++;
    } catch (error) {
      report.problems.push(`checkpoint does not load: ${(error as Error).message}`);
    }
  }
  // The curve is continuous: episodes 1..N once each, steps never going back (by episode number).
  const stepOf = new Float64Array(Math.max(1, previous?.episodes ?? 0) + 1_000_000).fill(-1);
  let episodes = 0, maxEpisode = 0;
  forEachEpisodeRecord(join(runDir, 'metrics.jsonl'), (e) => {
    if (!(e.episode! >= 1 && e.episode! < stepOf.length)) return void report.problems.push(`metrics.jsonl: bad episode number ${e.episode}`);
    if (stepOf[e.episode!] >= 0) report.problems.push(`metrics.jsonl: episode ${e.episode} appears twice`);
    stepOf[e.episode!] = e.step;
    episodes++;
    maxEpisode = Math.max(maxEpisode, e.episode!);
  });
  if (maxEpisode !== episodes) report.problems.push(`metrics.jsonl: ${episodes} episodes but numbers up to ${maxEpisode} (gaps)`);
  for (let n = 2; n <= maxEpisode; n++) {
    if (stepOf[n] >= 0 && stepOf[n - 1] >= 0 && stepOf[n] < stepOf[n - 1]) {
      report.problems.push(`metrics.jsonl: episode ${n} at step ${stepOf[n]} is behind episode ${n - 1}`);
      break;
    }
  }
  report.problems = report.problems.slice(0, 20);
  report.episodes = episodes;
  report.globalSteps = previous?.steps ?? 0;
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' }, env: { type: 'string', default: 'cartpole' }, net: { type: 'string' },
      workers: { type: 'string', default: '3' }, 'kill-every': { type: 'string', default: '20' }, 'checkpoint-every': { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' }, 'run-dir': { type: 'string' },
      // Per-update probabilities, for CartPole's ~5,000 updates/s per worker (Breakout makes ~15: raise them).
      chaos: { type: 'string', default: '{"crash":5e-6,"exitInUpdate":5e-6,"nanGradient":5e-5}' },
    },
  });
  const report = await soak({
    seconds: Number(values.minutes) * 60, env: values.env!, net: values.net, workers: Number(values.workers),
    killEvery: Number(values['kill-every']), checkpointEvery: Number(values['checkpoint-every']), seed: Number(values.seed),
    chaos: JSON.parse(values.chaos!), runDir: values['run-dir'], log: (line) => process.stderr.write(line + '\n'),
  });
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  process.exitCode = report.problems.length === 0 ? 0 : 1;
}
