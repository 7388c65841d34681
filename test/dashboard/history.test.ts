import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bucketEpisodes, EpisodeHistory, parseEpisodeLine } from '../../src/dashboard/history.js';
import { MetricsTail } from '../../src/dashboard/metricsTail.js';
import { exposureWarning, isLoopbackHost } from '../../src/dashboard/exposure.js';

const episode = (i: number) => ({ step: 10 * i, wall_time: i / 100, episode: i, return: i % 7, length: 5 + (i % 3), entropy: 0.5 });

test('the incremental history keeps at most maxPoints points and the same totals as one pass over all episodes', () => {
  const history = new EpisodeHistory(8);
  const records = Array.from({ length: 1000 }, (_, i) => episode(i));
  for (const r of records) history.add(r);
  const points = history.snapshot();
  assert.ok(points.length <= 8 && points.length >= 4, `${points.length} points`);
  assert.equal(points.reduce((n, p) => n + p.episodes, 0), 1000);
  assert.equal(history.episodes, 1000);
  const meanReturn = records.reduce((s, r) => s + r.return, 0) / records.length;
  const weighted = points.reduce((s, p) => s + p.return * p.episodes, 0) / 1000;
  assert.ok(Math.abs(weighted - meanReturn) < 1e-9, `${weighted} vs ${meanReturn}`);
  assert.equal(points[points.length - 1].step, 9990);
  assert.equal(Math.max(...points.map((p) => p.return_max)), 6);
  // Below the limit each episode is its own point, as one pass would give.
  const small = new EpisodeHistory(2000);
  for (const r of records.slice(0, 50)) small.add(r);
  assert.deepEqual(small.snapshot(), bucketEpisodes(records.slice(0, 50), 2000));
});

test('only episode lines count: torn, foreign and other kinds of records are skipped', () => {
  assert.equal(parseEpisodeLine('{"step":5,"episode":1,"return":3,"length":2}')?.return, 3, 'a line of a run written before the stream');
  assert.equal(parseEpisodeLine('{"kind":"episode","step":5,"wall_time":1,"episode":1,"worker":0,"values":{"charts/episode_return":3}}')?.return, 3);
  for (const line of ['{"step":5,"retu', '{"step":5,"kind":"eval","return":400}', '{"kind":"eval","step":5,"wall_time":1,"values":{"eval/mean_return":400}}', '{"step":5,"return":3}', '{"step":5,"eval/return":400}', '{"return":3}', 'garbage "return"', '{"step":5,"return":"x"}']) {
    assert.equal(parseEpisodeLine(line), null, line);
  }
});

test('the tail reads only new bytes, holds a line until its newline, shares concurrent catch-ups, and starts over when the file is replaced', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-tail-'));
  const path = join(dir, 'metrics.jsonl');
  const lines: string[] = [];
  let resets = 0;
  const tail = new MetricsTail(path, { line: (line) => lines.push(line), reset: () => { resets++; } });
  await tail.catchUp(); // no file yet
  assert.deepEqual(lines, []);
  writeFileSync(path, 'one\ntwo\nthr');
  await tail.catchUp();
  assert.deepEqual(lines, ['one', 'two']);
  appendFileSync(path, 'ee\nfour\n');
  const [a, b] = [tail.catchUp(), tail.catchUp()];
  assert.equal(a, b, 'a second caller joins the catch-up under way');
  await a;
  assert.deepEqual(lines, ['one', 'two', 'three', 'four']);
  await tail.catchUp();
  assert.equal(lines.length, 4, 'nothing new, nothing read twice');
  // A resume writes a shorter file and renames it over the old one.
  writeFileSync(join(dir, 'next'), 'one\ntwo bis\n');
  renameSync(join(dir, 'next'), path);
  await tail.catchUp();
  assert.equal(resets, 1);
  assert.deepEqual(lines.slice(4), ['one', 'two bis']);
  // A multi-byte character cut between two appends arrives whole.
  const euro = Buffer.from('€\n');
  const file = await open(path, 'a');
  await file.write(euro.subarray(0, 1));
  await tail.catchUp();
  await file.write(euro.subarray(1));
  await file.close();
  await tail.catchUp();
  assert.equal(lines[lines.length - 1], '€');
});

test('a --host off this machine is warned about, loopback addresses are not', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(host), true, host);
  for (const host of ['0.0.0.0', '::', '192.168.1.5', 'example.com', '10.0.0.1']) {
    assert.equal(isLoopbackHost(host), false, host);
    assert.match(exposureWarning(host) ?? '', new RegExp(`--host ${host.replace(/\./g, '\\.')}: .*other machines.*--host 127\\.0\\.0\\.1`));
  }
  assert.equal(exposureWarning('127.0.0.1'), null);
});
