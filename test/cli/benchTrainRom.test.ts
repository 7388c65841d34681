import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelRom } from '../envs/core2600/fixtures/kernelRom.js';

/*
 * `a3c bench train --rom`: trains on the ROM, then the built-in Breakout with the same net,
 * workers and seconds, and reports both and their ratio. The ROM is our game-like test program
 * (no real cartridge here), run with Breakout's settings.
 */

const cli = fileURLToPath(new URL('../../../bin/a3c.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 180_000 });
const dir = mkdtempSync(join(tmpdir(), 'a3c-bench-rom-'));
const romPath = join(dir, 'kernel.bin');
writeFileSync(romPath, kernelRom(1));

test('bench train --rom --json: the ROM run and the built-in baseline, same net and workers, and their ratio', () => {
  const r = run('bench', 'train', 'breakout', '--rom', romPath, '--game', 'breakout', '--emulator', 'ours', '--workers', '1', '--net', 'small', '--seconds', '3', '--json'); // 3 s: the workers' start-up counts in the seconds, and takes longer on a loaded machine
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.game, 'breakout');
  assert.match(result.rom_md5, /^[0-9a-f]{32}$/);
  assert.equal(result.emulator, 'ours');
  const baseline = result.baseline;
  assert.equal(baseline.env, 'breakout');
  assert.equal(baseline.game, undefined, 'the baseline is the built-in game');
  for (const key of ['net', 'kernels', 'workers', 'envs_per_thread']) assert.equal(baseline[key], result[key], key);
  assert.equal(result.net, 'small');
  for (const r of [result, baseline]) {
    assert.ok(r.agent_steps_per_s > 0 && r.updates_per_s > 0);
    assert.ok(Math.abs(r.share_env + r.share_forward + r.share_update - 1) < 1e-9);
  }
  assert.equal(result.agent_steps_ratio_to_baseline, result.agent_steps_per_s / baseline.agent_steps_per_s);
});

test('bench train --rom: a bad ROM gets the ROM loader\'s one-line refusal and a non-zero exit, before anything trains', () => {
  const short = join(dir, 'short.bin');
  writeFileSync(short, new Uint8Array(1000));
  const cases: [string[], RegExp][] = [
    [['--rom', join(dir, 'missing.bin')], /--rom .*missing\.bin: cannot read the ROM \(no such file\)/],
    [['--rom', short], /--rom .*short\.bin: 1000 bytes is not an Atari 2600 ROM size/],
    [['--rom', romPath], /--rom .*kernel\.bin: unknown ROM \(MD5 [0-9a-f]{32}\).*pass --game <id>/],
    [['--rom', romPath, '--game', 'tetris'], /--game tetris: unknown game/],
  ];
  for (const [args, pattern] of cases) {
    const r = run('bench', 'train', 'breakout', ...args, '--workers', '1', '--seconds', '1');
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '', 'nothing measured');
  }
});
