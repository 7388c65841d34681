import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainConfigSchema } from '../../src/config.js';
import { getPreset, presetIds } from '../../src/presets.js';
import { buildTrainConfig, resumedConfig } from '../../src/runConfig.js';
import { SETTINGS, flagOf, settingKeys } from '../../src/settings/table.js';
import { UsageError } from '../../src/settings/errors.js';
import { AppendFile } from '../../src/metrics/appendFile.js';

const cli = fileURLToPath(new URL('../../../bin/a3c.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
const root = mkdtempSync(join(tmpdir(), 'a3c-settings-'));

/** Exit status 2 and exactly one line on stderr matching `pattern`. */
function refused(args: string[], pattern: RegExp, status = 2): void {
  const r = run(...args);
  assert.equal(r.status, status, `${args.join(' ')}: status ${r.status}, stderr ${r.stderr}`);
  assert.match(r.stderr.trim(), pattern, args.join(' '));
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
}

test('train --help shows every flag of the table, with the presets\' own defaults', () => {
  const help = run('train', '--help').stdout.replace(/\s+/g, ' ');
  for (const key of settingKeys()) {
    const flag = SETTINGS[key].flag;
    if (flag !== false) assert.ok(help.includes(flagOf(flag.name ?? key) + ' '), `${key} in help`);
  }
  // The learning rate differs per preset: each preset's value is printed, read from the preset.
  const cartpoleRate = getPreset('cartpole').defaults.optimizer.learningRate;
  const breakoutRate = getPreset('breakout').defaults.optimizer.learningRate;
  assert.notEqual(cartpoleRate, breakoutRate);
  assert.match(help, new RegExp(`--learning-rate <x> .*\\(default from the preset: cartpole ${cartpoleRate}; cartpole-masked [0-9.e-]+; breakout, [^;()]+ ${breakoutRate}\\)`));
  assert.match(help, new RegExp(`--t-max <n> .*\\(default ${getPreset('breakout').defaults.tMax}, every preset\\)`));
  assert.ok(presetIds().every((id) => getPreset(id).defaults.tMax === getPreset('breakout').defaults.tMax), 'every preset shares t_max: "every preset" is true');
  // Old spellings stay usable but are not advertised.
  for (const old of ['--steps', '--time', '--entropy ', '--lr ', '--checkpoint-every ']) assert.ok(!help.includes(old), `${old} hidden`);
});

test('old flag spellings still work and are checked as the new ones', () => {
  refused(['train', 'cartpole', '--steps', '0'], /^a3c: --max-steps: expected an integer in 1\.\.1000000000000 \(got 0\)$/m);
  refused(['train', 'cartpole', '--lr', '2'], /^a3c: --learning-rate: expected a number in \(0, 1\] \(got 2\)$/m);
  refused(['train', 'cartpole', '--entropy', '-1'], /^a3c: --entropy-coef: /m);
  const viaOld = buildTrainConfig('cartpole', { maxSteps: 123, entropyCoef: 0.05, learningRate: 0.002 });
  assert.equal(viaOld.maxSteps, 123);
  assert.equal(viaOld.optimizer.learningRate, 0.002);
});

test('config.json written by older runs still loads: old field names and fields they lacked', () => {
  const current = buildTrainConfig('cartpole', { workers: 2, seed: 5 });
  // As written before checkpoints were configurable and before kernels, lifeLossTerminal, rom and game existed.
  const { checkpointEverySeconds: _c, keepCheckpoints: _k, kernels: _n, lifeLossTerminal: _l, rom: _r, game: _g, ...older } = current;
  const parsed = trainConfigSchema.parse({ ...older, saveEverySeconds: 120 });
  assert.equal(parsed.checkpointEverySeconds, 120);
  assert.equal(parsed.kernels, 'wasm');
  assert.equal(parsed.lifeLossTerminal, false);
  assert.equal(parsed.keepCheckpoints, 3);
  assert.equal(parsed.rom, null);
  assert.ok(!('saveEverySeconds' in parsed));
  // A value out of a setting's range is refused in config.json exactly as on the command line.
  assert.equal(trainConfigSchema.safeParse({ ...current, seed: 2 ** 32 }).success, false);
});

test('the resume policy comes from the table: fixed settings are refused, free ones change', () => {
  const saved = buildTrainConfig('cartpole', { workers: 2, seed: 5 });
  for (const key of settingKeys().filter((k) => SETTINGS[k].onResume === 'fixed' && SETTINGS[k].flag !== false)) {
    assert.ok(key === 'env' || SETTINGS[key].stored !== 'invocation');
  }
  assert.throws(() => resumedConfig(saved, { gamma: 0.9 }), (e: Error) => e instanceof UsageError && /^--gamma cannot change when resuming/.test(e.message));
  assert.throws(() => resumedConfig(saved, { learningRate: 0.1 }), { message: /^--learning-rate cannot change when resuming/ });
  const more = resumedConfig(saved, { maxSteps: 9000, workers: 3 });
  assert.equal(more.maxSteps, 9000);
  assert.equal(more.workers, 3);
  assert.equal(more.seed, 5);
});

test('a resumed run: fixed flags refused with exit 2, a corrupt config.json does not block it, the continue command is shell-quoted', () => {
  const dir = join(root, "it's a run");
  const t = run('train', 'cartpole', '--workers', '1', '--max-steps', '600', '--run-dir', dir, '--seed', '1');
  assert.equal(t.status, 0, t.stderr);
  assert.ok(t.stdout.includes(`a3c: continue with: a3c train --resume '${root}/it'\\''s a run' --max-steps <more>`), t.stdout);
  refused(['train', '--resume', dir, '--gamma', '0.5', '--max-steps', '2000'], /^a3c: --gamma cannot change when resuming/);
  refused(['train', '--resume', dir, '--t-max', '5', '--max-steps', '2000'], /^a3c: --t-max cannot change when resuming/);
  refused(['train', '--resume', dir, '--lr', '0.01', '--max-steps', '2000'], /^a3c: --learning-rate cannot change when resuming/);

  writeFileSync(join(dir, 'config.json'), '{"env": "cartpo');
  const r = run('train', '--resume', dir, '--max-steps', '1200', '--quiet');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^a3c: warning: .*config\.json is not valid JSON .*: resuming with the config stored in the checkpoint$/m);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.equal(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).seed, 1, 'config.json rewritten from the checkpoint');

  refused(['play', dir, '--png-dir', '/proc/x'], /^a3c: --png-dir \/proc\/x: cannot create \/proc\/x .*: choose another directory$/);
  refused(['plot', dir, '--out', '/dev/full', '--random-episodes', '0'], /^a3c: cannot write \/dev\/full: the disk is full \(ENOSPC\): free some space or choose a directory on another disk$/, 1);
});

test('every value is type-checked and bounded: exit 2 and one line', () => {
  const cases: [string[], RegExp][] = [
    [['train', 'cartpole', '--workers', '0x10'], /--workers: expected an integer in 1\.\.256 \(got "0x10"\)/],
    [['train', 'cartpole', '--workers', '257'], /--workers: expected an integer in 1\.\.256/],
    [['train', 'cartpole', '--seed', '4294967296'], /--seed: expected an integer in 0\.\.4294967295 \(got 4294967296\)/],
    [['train', 'cartpole', '--seed', '-1'], /--seed: expected an integer in 0\.\.4294967295/],
    [['train', 'cartpole', '--learning-rate', '1e9'], /--learning-rate: expected a number in \(0, 1\] \(got 1000000000\)/],
    [['train', 'cartpole', '--t-max', '1001'], /--t-max: expected an integer in 1\.\.1000/],
    [['train', 'cartpole', '--gamma', '1.5'], /--gamma: expected a number in \[0, 1\]/],
    [['train', 'cartpole', '--max-seconds', 'Infinity'], /--max-seconds: .*\(got "Infinity"\)/],
    [['train', 'breakout', '--env-option', 'frameSkip=1e9'], /--env-option frameSkip: expected an integer in 1\.\.64 \(got "1e9"\)/],
    [['train', 'breakout', '--env-option', 'frameSkip=2.5'], /--env-option frameSkip: expected an integer in 1\.\.64/],
    [['train', 'breakout', '--env-option', 'repeatActionProbability=abc'], /--env-option repeatActionProbability: expected a number in \[0, 1\) \(got "abc"\)/],
    [['train', 'breakout', '--env-option', 'ballSpeed=2'], /--env-option: breakout option 'ballSpeed' was removed: /],
    [['train', 'breakout', '--env-option', 'maxPoolLastTwoFrames=yes'], /--env-option maxPoolLastTwoFrames: expected true or false/],
    [['train', 'breakout', '--env-option', 'frameskip=4'], /--env-option: unknown breakout option 'frameskip': choose from frameSkip, repeatActionProbability, maxEpisodeFrames, maxPoolLastTwoFrames, /],
    [['train', 'cartpole', '--env-option', 'frameSkip=4'], /--env-option: cartpole takes no environment options/],
    [['train', 'cartpole', '--run-dir', '/proc/newdir'], /--run-dir \/proc\/newdir: cannot create \/proc\/newdir .*: choose another directory/],
    [['train', 'cartpole', '--run-dir', '/sys/newdir'], /--run-dir \/sys\/newdir: cannot create \/sys\/newdir \(operation not permitted\)/],
    [['train', 'breakout', '--rom', '/dev/zero'], /--rom \/dev\/zero: cannot read the ROM \(not a regular file\)/],
  ];
  for (const [args, pattern] of cases) refused(args, pattern);
});

test('ROMs: larger than 512 KB refused unread; an unknown ROM needs --game in bench env exactly as in train', () => {
  const big = join(root, 'big.bin');
  writeFileSync(big, Buffer.alloc(600 * 1024));
  refused(['train', 'breakout', '--rom', big], /--rom .*big\.bin: 614400 bytes is far larger than any Atari 2600 ROM \(at most 512 KB are read\)/);
  const unknown = join(root, 'unknown.bin');
  writeFileSync(unknown, Buffer.alloc(4096, 0xea)); // a valid size, an MD5 in no table
  const fromTrain = run('train', 'breakout', '--rom', unknown);
  const fromBench = run('bench', 'env', 'breakout', '--rom', unknown, '--seconds', '0.1');
  for (const r of [fromTrain, fromBench]) {
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^a3c: --rom .*unknown\.bin: unknown ROM \(MD5 [0-9a-f]{32}\); supported: .*pass --game <id>$/m);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
  assert.equal(fromBench.stderr, fromTrain.stderr);
});

test('a symbolic link in place of a run file is refused, and the file it points at is left alone', () => {
  const dir = join(root, 'linked');
  mkdirSync(dir);
  const outside = join(root, 'precious.txt');
  writeFileSync(outside, 'keep me\n');
  symlinkSync(outside, join(dir, 'metrics.jsonl'));
  refused(['train', 'cartpole', '--run-dir', dir, '--max-steps', '100'], /metrics\.jsonl is a symbolic link: .*remove the link/);
  assert.equal(readFileSync(outside, 'utf8'), 'keep me\n');
  assert.ok(!existsSync(join(dir, 'config.json')), 'nothing was written');
  // The metrics file itself is opened without following links, should one appear after the check.
  assert.throws(() => new AppendFile(join(dir, 'metrics.jsonl')), /metrics\.jsonl is a symbolic link/);
  assert.equal(readFileSync(outside, 'utf8'), 'keep me\n');
});
