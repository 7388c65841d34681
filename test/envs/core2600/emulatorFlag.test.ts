import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainConfigSchema } from '../../../src/config.js';
import { getPreset } from '../../../src/presets.js';
import { buildTrainConfig, resumedConfig } from '../../../src/runConfig.js';
import { UsageError } from '../../../src/settings/errors.js';
import { saxRom } from './fixtures/saxRom.js';

/*
 * `--emulator ours|6502ts`: a setting of the table (stored in config.json, fixed on resume) that
 * reaches the core. The SAX program shows which core ran it: its background is $0E on ours and
 * black on 6502.ts.
 */

const cli = fileURLToPath(new URL('../../../../bin/a3c.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'a3c-emulator-'));
const romPath = join(dir, 'sax.bin');
writeFileSync(romPath, saxRom());

/** The sum of the first observation's pixels (gray 84x84 x 4) of seaquest on the SAX program. */
function firstObservationSum(emulator?: 'ours' | '6502ts'): number {
  const config = buildTrainConfig('seaquest', { rom: romPath, game: 'seaquest', ...(emulator ? { emulator } : {}) });
  const env = getPreset('seaquest').makeEnv(0, config, 'eval');
  const observation = env.reset({ seed: 0 }).observation as Float32Array;
  return observation.reduce((sum, x) => sum + x, 0);
}

test('--emulator: stored in the config (ours by default, 6502ts for configs written before it), fixed on resume, bad values refused', () => {
  const ours = buildTrainConfig('seaquest', { rom: romPath, game: 'seaquest', emulator: 'ours' });
  assert.equal(ours.emulator, 'ours');
  const defaults = buildTrainConfig('seaquest', { rom: romPath, game: 'seaquest' });
  assert.equal(defaults.emulator, 'ours');
  const { emulator: _e, ...older } = ours;
  assert.equal(trainConfigSchema.parse(older).emulator, '6502ts');
  assert.equal(trainConfigSchema.parse(JSON.parse(JSON.stringify(ours))).emulator, 'ours', 'config.json keeps it');
  assert.throws(() => resumedConfig(ours, { emulator: '6502ts' }), (e: Error) => e instanceof UsageError && /^--emulator cannot change when resuming/.test(e.message));
  assert.equal(resumedConfig(ours, { maxSteps: 10 }).emulator, 'ours');
  assert.throws(() => buildTrainConfig('seaquest', { rom: romPath, game: 'seaquest', emulator: 'stella' as 'ours' }), (e: Error) => e instanceof UsageError && /^--emulator: .*"stella"/.test(e.message));
});

test('--emulator reaches the core: the preset environment runs the SAX program on the chosen one', () => {
  const ours = firstObservationSum('ours'), theirs = firstObservationSum('6502ts');
  assert.equal(theirs, 0, '6502.ts: black');
  assert.ok(ours > 0, 'ours: the $0E background');
  assert.equal(firstObservationSum(), ours, 'the default is ours');
});

test('a3c bench env --emulator ours --json: the core named, frames/s of each core', () => {
  const r = spawnSync(process.execPath, [cli, 'bench', 'env', 'seaquest', '--rom', romPath, '--game', 'seaquest', '--emulator', 'ours', '--seconds', '0.2', '--json'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.emulator, 'ours');
  assert.deepEqual(Object.keys(result.emulated_frames_per_s_by_emulator).sort(), ['6502ts', 'ours']);
  assert.equal(result.emulated_frames_per_s, result.emulated_frames_per_s_by_emulator.ours);
  for (const fps of Object.values(result.emulated_frames_per_s_by_emulator)) assert.ok((fps as number) > 0);
});
