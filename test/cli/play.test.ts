import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GifReader } from 'omggif';
import { PNG } from 'pngjs';
import { BAND_HEIGHT } from '../../src/play/textOverlay.js';
import { CARTPOLE_FRAME } from '../../src/envs/cartpoleRender.js';

const cli = fileURLToPath(new URL('../../../bin/a3c.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

test('play records the policy to an animated GIF and PNG frames with a caption band', () => {
  const root = mkdtempSync(join(tmpdir(), 'a3c-play-'));
  const dir = join(root, 'run');
  assert.equal(run('train', 'cartpole', '--workers', '1', '--steps', '3000', '--run-dir', dir, '--quiet').status, 0);
  const gif = join(root, 'out.gif');
  const pngDir = join(root, 'frames');
  const r = run('play', dir, '--episodes', '2', '--gif', gif, '--png-dir', pngDir, '--scale', '1', '--seed', '4');
  assert.equal(r.status, 0, r.stderr);
  const m = /2 episodes \(returns (\d+), (\d+)\), ([\d,]+) frames/.exec(r.stdout);
  assert.ok(m, r.stdout);
  const frames = Number(m[3].replace(/,/g, ''));
  assert.equal(frames, Number(m[1]) + Number(m[2]) + 2, 'one frame per step plus each start');

  const reader = new GifReader(readFileSync(gif));
  assert.equal(reader.numFrames(), frames);
  assert.equal(reader.width, CARTPOLE_FRAME.width);
  assert.equal(reader.height, CARTPOLE_FRAME.height + BAND_HEIGHT);
  assert.equal(reader.frameInfo(1).delay, 2, 'CartPole steps are 20 ms (GIF delays count 10 ms)');
  const pixels = (k: number) => { const out = new Uint8Array(reader.width * reader.height * 4); reader.decodeAndBlitFrameRGBA(k, out); return out; };
  assert.notDeepEqual(pixels(0), pixels(frames - 1), 'the picture moves');

  const names = readdirSync(pngDir).sort();
  assert.equal(names.length, frames);
  const png = PNG.sync.read(readFileSync(join(pngDir, names[10])));
  assert.equal(png.width, CARTPOLE_FRAME.width);
  let white = 0, black = 0;
  for (let y = 0; y < BAND_HEIGHT; y++) {
    for (let x = 0; x < 60; x++) {
      const i = (y * png.width + x) * 4;
      if (png.data[i] === 255 && png.data[i + 1] === 255) white++;
      else if (png.data[i] === 0) black++;
    }
  }
  assert.ok(white > 20 && black > 100, `caption text in the band (${white} white, ${black} black pixels)`);
});

test('play without an output, or on a missing run, is a one-line usage error', () => {
  const none = run('play', '/nonexistent');
  assert.equal(none.status, 2);
  assert.match(none.stderr, /^a3c: play: nothing to record: pass --gif FILE and\/or --png-dir DIR/);
  const missing = run('play', '/nonexistent', '--gif', '/tmp/x.gif');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^a3c: run directory \/nonexistent does not exist\n$/);
});
