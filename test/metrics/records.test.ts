import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTrainConfig, trainFlagsSchema } from '../../src/cli/trainCommand.js';
import { bucketEpisodes, bucketEpisodesFromFile, parseEpisodeLines } from '../../src/dashboard/history.js';
import { readCurve, rollingCurve } from '../../src/io/plot.js';
import { forEachEpisodeReturn, forEachMetricsRecord, formatRecordLine, parseRecordLine, type MetricsRecord } from '../../src/metrics/records.js';
import { truncateMetrics } from '../../src/metrics/sinks.js';

const cli = fileURLToPath(new URL('../../../bin/a3c.js', import.meta.url));

/** metrics.jsonl lines as the JSONL sink wrote them before the stream (one flat object per episode). */
const OLD_LINES = [
  { step: 20, wall_time: 0.5, worker: 0, episode: 1, return: 20, length: 20, mean_max_prob: 0.51, policy_loss: 1.5, value_loss: 30, entropy: 0.69 },
  { step: 50, wall_time: 0.9, worker: 1, episode: 2, return: 30, length: 30, mean_max_prob: 0.52, policy_loss: 1.25, value_loss: 40, entropy: 0.68 },
  { step: 90, wall_time: 1.4, worker: 0, episode: 3, return: 40, length: 40, mean_max_prob: 0.53, policy_loss: 1, value_loss: 50, entropy: 0.67 },
].map((o) => JSON.stringify(o));

/** Records of the stream, as a resumed old run appends them after the old lines. */
const NEW_RECORDS: MetricsRecord[] = [
  { kind: 'episode', step: 150, wall_time: 2, episode: 4, worker: 1, values: { 'charts/episode_return': 60, 'charts/episode_length': 60, 'charts/mean_max_prob': 0.6, 'losses/policy_gradient': 2, 'losses/value': 60, 'losses/entropy': 0.6 } },
  { kind: 'scalars', step: 160, wall_time: 2.1, values: { 'perf/steps_per_second': 1000, 'perf/skipped_updates': Number.NaN } },
  { kind: 'eval', step: 170, wall_time: 2.2, values: { 'eval/mean_return': 55, 'eval/std_return': 5, 'eval/episodes': 10 } },
  { kind: 'episode', step: 250, wall_time: 3, episode: 5, worker: 0, values: { 'charts/episode_return': 100, 'charts/episode_length': 100, 'charts/mean_max_prob': 0.7, 'losses/policy_gradient': 3, 'losses/value': 70, 'losses/entropy': 0.5 } },
];

function fixtureRun(): string {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-old-run-'));
  const config = buildTrainConfig('cartpole', trainFlagsSchema.parse({ workers: 2, seed: 1 }));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  writeFileSync(join(dir, 'metrics.jsonl'), OLD_LINES.join('\n') + '\n' + NEW_RECORDS.map(formatRecordLine).join('') + '{"kind":"episode","step":300,"wal');
  return dir;
}

test('old episode lines read as episode records under the stream keys; the old actor loss keeps its own key', () => {
  const old = parseRecordLine(OLD_LINES[0])!;
  assert.deepEqual(old, {
    kind: 'episode', step: 20, wall_time: 0.5, episode: 1, worker: 0,
    values: { 'charts/episode_return': 20, 'charts/episode_length': 20, 'charts/mean_max_prob': 0.51, 'losses/policy': 1.5, 'losses/value': 30, 'losses/entropy': 0.69 },
  });
  assert.ok(!('losses/policy_gradient' in old.values), 'an actor loss that includes the entropy term is not passed off as the policy gradient');
  for (const record of NEW_RECORDS) {
    const line = formatRecordLine(record);
    assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), 'one line per record');
    assert.deepEqual(parseRecordLine(line), record, `${record.kind} record round-trips (NaN included)`);
  }
  assert.equal(parseRecordLine('{"kind":"episode","step":3,"values":{}}'), null, 'an episode record without its number is refused');
  assert.equal(parseRecordLine('{"step":3,"other":1}'), null, 'a foreign line is skipped');
  assert.equal(parseRecordLine('{"step":3,"ret'), null, 'a torn line is skipped');
});

test('a run directory with old lines and new records: plot, dashboard history and resume truncation read both', () => {
  const dir = fixtureRun();
  const path = join(dir, 'metrics.jsonl');
  const kinds: string[] = [];
  forEachMetricsRecord(path, (r) => kinds.push(r.kind));
  assert.deepEqual(kinds, ['episode', 'episode', 'episode', 'episode', 'scalars', 'eval', 'episode'], 'the torn last line is skipped');

  // a3c plot's curve: the five episodes only, means of the last two returns.
  const returns: number[] = [];
  forEachEpisodeReturn(path, (e) => returns.push(e.return));
  assert.deepEqual(returns, [20, 30, 40, 60, 100]);
  const curve = rollingCurve((fn) => forEachEpisodeReturn(path, fn), 'run', 2);
  assert.deepEqual(curve.map((p) => [p.steps, p.score]), [[250, 80]], 'the last episode closes the curve (every 10th otherwise)');
  const reading = readCurve((fn) => forEachEpisodeReturn(path, fn), [90, 100, 1000], 2);
  assert.deepEqual(reading.at.map((r) => r.score), [35, 50, null], 'the mean of the last two at the first episode at or after 90 and 100 steps; 1000 is never reached');
  assert.deepEqual(reading.last, { steps: 250, score: 80, hours: 3 / 3600 });

  // The dashboard's history and live lines: the five episodes, the policy-gradient loss where it was logged.
  const history = bucketEpisodesFromFile(path, 100);
  assert.equal(history.episodes, 5);
  assert.deepEqual(history.points.map((p) => [p.step, p.return, p.policy_loss, p.entropy]), [[20, 20, 1.5, 0.69], [50, 30, 1.25, 0.68], [90, 40, 1, 0.67], [150, 60, 2, 0.6], [250, 100, 3, 0.5]]);
  const live = parseEpisodeLines(readFileSync(path, 'utf8'));
  assert.deepEqual(bucketEpisodes(live, 1).map((p) => [p.episodes, p.return, p.return_max]), [[5, 50, 100]]);

  // Resume from a checkpoint after episode 4 at step 160: episode 5 and the evaluation at 170 go.
  assert.equal(truncateMetrics(dir, 4, 160), 3, 'episode 5, the evaluation at step 170 and the torn line are dropped');
  const kept: string[] = [];
  forEachMetricsRecord(path, (r) => kept.push(`${r.kind}@${r.step}`));
  assert.deepEqual(kept, ['episode@20', 'episode@50', 'episode@90', 'episode@150', 'scalars@160']);
  assert.ok(readFileSync(path, 'utf8').startsWith(OLD_LINES.join('\n') + '\n'), 'old lines are kept byte for byte');
});

test('a3c plot draws a run written before the stream', () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-old-plot-'));
  const config = buildTrainConfig('cartpole', trainFlagsSchema.parse({ workers: 2, seed: 1 }));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  const lines = Array.from({ length: 30 }, (_, i) => JSON.stringify({ step: (i + 1) * 100, wall_time: i, worker: i % 2, episode: i + 1, return: 10 + i, length: 10 + i, mean_max_prob: 0.5, policy_loss: 1, value_loss: 1, entropy: 0.6 }));
  writeFileSync(join(dir, 'metrics.jsonl'), lines.join('\n') + '\n');
  const out = join(dir, 'curve.svg');
  const result = spawnSync(process.execPath, [cli, 'plot', dir, '--out', out, '--random-episodes', '0', '--at', '1500,2500,9000'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.status, 0, result.stderr);
  assert.match(readFileSync(out, 'utf8'), /<svg/);
  // Episode k (step 100k) returned 9 + k: the mean of the first 15 is 17, of the first 25 is 22, of all 30 is 24.5.
  assert.match(result.stdout, /at 1\.5k \/ 2\.5k \/ 9k agent steps/);
  assert.match(result.stdout, /: 17\.00 \(0\.00 h\) \/ 22\.00 \(0\.01 h\) \/ -; last: 24\.50 \(0\.01 h\) at 3k/);
});
