import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtariEnv } from '../../src/envs/atari/atariEnv.js';
import { GAMES, gameById } from '../../src/envs/atari/games.js';
import { loadRom } from '../../src/envs/atari/rom.js';
import { testRom } from './fixtures/testRom.js';
import { buildTrainConfig, trainFlagsSchema } from '../../src/cli/trainCommand.js';
import { train } from '../../src/presetEngine.js';
import { evaluateRun } from '../../src/presetEngine.js';
import { Rng } from '../../src/util/rng.js';

/*
 * The ALE-compatible environment end to end on our own test ROM (test/envs/fixtures/testRom.ts),
 * run as Breakout (paddles, Breakout's RAM addresses) and as Space Invaders (joystick).
 */

const breakout = gameById('breakout')!;
const spaceInvaders = gameById('space_invaders')!;
const ram = { joystick: 0, paddleLine: 1, frames: 2, mode: 0x32 };

/** Rows of the ALE's NTSC palette (src/ale/common/Palettes.hpp), the entries this test reads. */
const NTSC: Record<number, number> = { 0x00: 0x000000, 0x0c: 0xd6d6d6, 0x50: 0x840064, 0x52: 0x97197a, 0xcc: 0x80e880, 0xce: 0x90fc90 };

function pixel(env: AtariEnv, row: number): number {
  const { rgb } = env.render();
  const i = row * 160 * 3;
  return (rgb[i] << 16) | (rgb[i + 1] << 8) | rgb[i + 2];
}

test('the test ROM assembles to 4 KB and frames show scanline 34 + r in row r, in the NTSC palette, 210x160', () => {
  const env = new AtariEnv(breakout, testRom(), 1);
  const { observation } = env.reset({ seed: 1 });
  assert.equal(observation.length, 210 * 160 * 3);
  env.step(0);
  // The program paints line n in colour 2n mod 256 from line 40 (end of VBLANK) to line 231.
  const colourOfRow = (r: number) => ((34 + r) * 2) & 0xff;
  for (const row of [6, 7, 100, 196, 197]) assert.equal(pixel(env, row), NTSC[colourOfRow(row)], `row ${row}`);
  for (const row of [0, 5, 198, 209]) assert.equal(pixel(env, row), 0, `row ${row} is blanked`);
});

test('reset follows the ALE: power-on, 60 NOOP frames, RESET 4 frames, mode selection with SELECT, RESET 4 frames', () => {
  const env = new AtariEnv(breakout, testRom(), 2);
  const { info } = env.reset({ seed: 2 });
  assert.equal(info.lives, 5, 'the RESET switch started the game');
  assert.equal(env.readRam(ram.mode), 0, 'SELECT was pressed until the mode byte read Breakout\'s default mode 0 (from 2: two presses)');
  assert.equal(env.framesEmulated, 60 + 4 + 2 * 2 + 4, 'frames emulated by the reset');
  assert.equal(env.readRam(ram.frames), 1, 'the last RESET frame zeroed the frame counter and the switch was then released');
  env.step(0);
  assert.equal(env.readRam(ram.frames), 5, 'one step is 4 frames (frame skip)');
});

test('reward is the BCD score change summed over the frame skip; lives and terminal come from RAM', () => {
  const env = new AtariEnv(breakout, testRom(), 3);
  env.reset();
  assert.equal(env.actionSpace.n, 4);
  assert.deepEqual(env.actionSpace.names, ['NOOP', 'FIRE', 'RIGHT', 'LEFT']);
  assert.equal(env.step(1).reward, 4, 'FIRE held for 4 frames scores 4');
  assert.equal(env.step(0).reward, 0);
  let steps = 2, last;
  const lives: number[] = [];
  const rewards: number[] = [];
  do {
    last = env.step(1);
    steps++;
    rewards.push(last.reward);
    lives.push(last.info.lives!);
  } while (!last.terminated);
  assert.equal(steps, 80, 'a life every 64 frames: 5 lives end after 320 frames');
  assert.deepEqual([...new Set(lives)], [5, 4, 3, 2, 1, 0]);
  assert.ok(rewards.slice(0, -1).every((r) => r === 4), 'every FIRE step scores its 4 frames');
  // The ALE stops emulating at the terminal frame, so the last step may score fewer.
  assert.ok(rewards.at(-1)! >= 1 && rewards.at(-1)! <= 4);
  assert.throws(() => env.step(0), /step\(\) called before reset\(\) or after the episode ended/);
});

test('paddle games move the paddle as the ALE does: RIGHT lowers the resistance, LEFT raises it, within limits', () => {
  const env = new AtariEnv(breakout, testRom(), 4);
  env.reset();
  env.step(0);
  const centre = env.readRam(ram.paddleLine);
  // ALE's centre resistance 408,823 charges in ~102 lines after the release at line 40.
  assert.ok(Math.abs(centre - 41 - 102) <= 2, `centre paddle charges at line ${centre}`);
  env.step(2);
  const right = env.readRam(ram.paddleLine);
  assert.ok(right < centre - 15, `RIGHT for 4 frames: ${right} < ${centre}`);
  for (let i = 0; i < 20; i++) env.step(3);
  const far = env.readRam(ram.paddleLine);
  env.step(3);
  assert.equal(env.readRam(ram.paddleLine), far, 'LEFT stops at the maximum resistance');
  assert.ok(far > centre + 80);
});

test('joystick games see the joystick; sticky actions repeat the previous action with the given probability', () => {
  const env = new AtariEnv(spaceInvaders, testRom(), 5);
  env.reset();
  assert.deepEqual(env.actionSpace.names, ['NOOP', 'FIRE', 'RIGHT', 'LEFT', 'RIGHTFIRE', 'LEFTFIRE']);
  env.step(2);
  assert.equal(env.readRam(ram.joystick) & 0xc0, 0x40, 'RIGHT pulls SWCHA bit 7 low');
  env.step(3);
  assert.equal(env.readRam(ram.joystick) & 0xc0, 0x80, 'LEFT pulls SWCHA bit 6 low');

  // FIRE every other step scores 4 (its 4 frames) per FIRE step without sticky actions; with
  // p = 0.25 some frames of each step keep the previous action.
  const rewards = (p: number, seed: number) => {
    const sticky = new AtariEnv(breakout, testRom(), seed, { repeatActionProbability: p });
    sticky.reset({ seed });
    return Array.from({ length: 40 }, (_, i) => sticky.step(i % 2 === 0 ? 1 : 0).reward);
  };
  assert.deepEqual(rewards(0, 1), Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 4 : 0)));
  const sticky = rewards(0.25, 1);
  assert.notDeepEqual(sticky, rewards(0, 1));
  assert.deepEqual(sticky, rewards(0.25, 1), 'sticky actions are reproducible from the seed');
  const carried = sticky.filter((r, i) => i % 2 === 1 && r > 0).length;
  assert.ok(carried >= 5 && carried <= 20, `NOOP steps that kept FIRE for a frame or more: ${carried} of 20`);
});

test('episodes are truncated after maxEpisodeFrames', () => {
  const env = new AtariEnv(breakout, testRom(), 6, { maxEpisodeFrames: 40 });
  env.reset();
  for (let i = 0; i < 9; i++) assert.equal(env.step(0).truncated, false);
  const last = env.step(0);
  assert.equal(last.truncated, true);
  assert.equal(last.terminated, false);
});

test('ROM files are identified by MD5; unknown, missing, empty and wrong-sized files are refused in one line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-rom-'));
  const path = join(dir, 'test.bin');
  writeFileSync(path, testRom());
  const md5 = createHash('md5').update(testRom()).digest('hex');
  assert.throws(() => loadRom(path), new RegExp(`^Error: --rom .*test.bin: unknown ROM \\(MD5 ${md5}\\); supported: breakout \\(f34f08e5eb96e500e851a80be3277a56\\), pong \\(60e0ea3cbe0913d39803477945e9e5ec\\), .*pass --game <id>$`));
  assert.equal(loadRom(path, 'breakout').game.id, 'breakout');
  assert.throws(() => loadRom(path, 'pacman'), /--game pacman: unknown game: choose one of breakout, pong, space_invaders, seaquest, beam_rider, qbert, enduro/);
  assert.throws(() => loadRom(join(dir, 'missing.bin')), /--rom .*missing.bin: cannot read the ROM \(no such file\)/);
  writeFileSync(join(dir, 'empty.bin'), '');
  assert.throws(() => loadRom(join(dir, 'empty.bin')), /--rom .*empty.bin: the file is empty/);
  writeFileSync(join(dir, 'odd.bin'), Buffer.alloc(3000));
  assert.throws(() => loadRom(join(dir, 'odd.bin')), /--rom .*odd.bin: 3000 bytes is not an Atari 2600 ROM size \(2K, 4K, 8K/);
  mkdirSync(join(dir, 'adir.bin'));
  assert.throws(() => loadRom(join(dir, 'adir.bin')), /cannot read the ROM \(it is a directory\)/);
  // The MD5 table: the ALE's seven games of the A3C paper's Figure 1, each once.
  assert.deepEqual(GAMES.map((g) => g.md5.length), [32, 32, 32, 32, 32, 32, 32]);
  assert.equal(new Set(GAMES.map((g) => g.md5)).size, 7);
  assert.equal(gameById('space_invaders')!.md5, '72ffbef6504b75e69ee1045af9075f66');
});

test('the training pipeline runs unchanged on a ROM: the Breakout preset with --rom trains, evaluates and checkpoints', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-rom-train-'));
  const rom = join(dir, 'test.bin');
  writeFileSync(rom, testRom());
  const config = buildTrainConfig('breakout', trainFlagsSchema.parse({ workers: 1, seed: 1, steps: 200, net: 'small', rom, game: 'breakout' }));
  const summary = await train(config, join(dir, 'run'));
  assert.ok(summary.globalSteps >= 200 && summary.episodes >= 1, `${summary.globalSteps} steps, ${summary.episodes} episodes`);
  const result = evaluateRun(join(dir, 'run'), { episodes: 1, seed: 3, greedy: false });
  assert.ok(result.mean_return >= 0);
  assert.throws(() => buildTrainConfig('pong', trainFlagsSchema.parse({ steps: 10 })), /--rom: pong is played from your Atari 2600 ROM: pass --rom FILE/);
  const asPong = buildTrainConfig('pong', trainFlagsSchema.parse({ workers: 1, steps: 10, rom, game: 'space_invaders' }));
  await assert.rejects(train(asPong, join(dir, 'pong')), /--rom .*test.bin is Space Invaders, not pong: train it with 'a3c train space_invaders --rom/);
});

test(`mutated ROMs are refused by MD5 or size, and run as a known game they fail cleanly or run, never hang`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'a3c-rom-fuzz-'));
  const rng = new Rng(21);
  const original = testRom();
  let refused = 0, ran = 0, stopped = 0;
  for (let k = 0; k < 60; k++) {
    const bytes = Buffer.from(original);
    if (k % 3 === 0) for (let i = 0; i < rng.int(1, 16); i++) bytes[rng.int(0, bytes.length - 1)] ^= 1 << rng.int(0, 7);
    else if (k % 3 === 1) for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(0, 255);
    const file = join(dir, `m${k}.bin`);
    writeFileSync(file, k % 10 === 9 ? bytes.subarray(0, rng.int(0, 4095)) : bytes);
    assert.throws(() => loadRom(file), /^Error: --rom .*m\d+\.bin: (unknown ROM|\d+ bytes is not|the file is empty)/);
    refused++;
    if (k % 10 === 9) continue;
    const started = performance.now();
    try {
      const env = new AtariEnv(breakout, loadRom(file, 'breakout').bytes, k);
      env.reset();
      for (let i = 0; i < 20; i++) if (env.step(i % 4).terminated) env.reset();
      ran++;
    } catch (error) {
      assert.ok(error instanceof Error && !error.message.includes('\n'), String(error));
      assert.match(error.message, /the emulated program stopped|cannot load/);
      stopped++;
    }
    assert.ok(performance.now() - started < 20_000, 'no hang');
  }
  console.log(`ROM mutants: ${refused} refused by MD5/size; as Breakout ${ran} ran, ${stopped} stopped cleanly`);
  assert.equal(refused, 60);
});
