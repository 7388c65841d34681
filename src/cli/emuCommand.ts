import { Option, type Command } from 'commander';
import { z } from 'zod';
import { DEFAULT_EMULATOR, EMULATORS } from '../envs/atari/emulatorCore.js';
import { ACTION_NAMES } from '../envs/atari/games.js';
import { loadRom, type Rom } from '../envs/atari/rom.js';
import { diffCores, traceFrames, type ActionAt, type DiffResult } from '../envs/atari/trace.js';
import { fromDecimalText, integerIn } from '../settings/values.js';
import { Rng } from '../util/rng.js';
import { parseFlags, UsageError } from './flags.js';

/**
 * `a3c emu trace|diff <rom>`: lets anyone with a ROM check our 2600 core against 6502.ts, frame
 * by frame (CRC-32 of screen and RAM), or both side by side down to the first differing pixel.
 */

const common = {
  frames: fromDecimalText(integerIn(1, 1_000_000)),
  actions: z.string().default('NOOP'),
  game: z.string().min(1).optional(),
  json: z.boolean().default(false),
};
const traceFlags = z.object({ ...common, emulator: z.enum(EMULATORS).default(DEFAULT_EMULATOR) });
const diffFlags = z.object(common);

const ACTIONS_HELP = 'ALE actions, one per frame, repeated to the end: comma-separated names or numbers with an optional *count (NOOP*60,FIRE,RIGHT*10), or random:SEED (uniform over the 18)';

/**
 * Reads `--actions`: e.g. `NOOP*60,FIRE,RIGHT*10` (names or 0-17, case-insensitive, cycled) or
 * `random:7`; one line naming the bad item otherwise.
 */
export function parseActions(text: string): ActionAt {
  const random = /^random(?::(\d+))?$/i.exec(text.trim());
  if (random) {
    const seed = Number(random[1] ?? 0);
    const drawn: number[] = [];
    const rng = new Rng(seed);
    return (frame) => { while (drawn.length <= frame) drawn.push(rng.int(0, ACTION_NAMES.length - 1)); return drawn[frame]; };
  }
  const sequence: number[] = [];
  for (const item of text.split(',')) {
    const match = /^\s*([A-Za-z]+|\d+)\s*(?:\*\s*(\d+))?\s*$/.exec(item);
    const name = match?.[1].toUpperCase();
    const action = name === undefined ? -1 : /^\d+$/.test(name) ? Number(name) : ACTION_NAMES.indexOf(name);
    const count = Number(match?.[2] ?? 1);
    if (!match || action < 0 || action >= ACTION_NAMES.length || count < 1 || count > 1_000_000) {
      throw new UsageError(`--actions: cannot read ${JSON.stringify(item.trim())}: give ALE actions as NAME or NAME*count (names: ${ACTION_NAMES.join(', ')}; or 0-17), comma-separated, or random:SEED`);
    }
    for (let k = 0; k < count; k++) sequence.push(action);
  }
  return (frame) => sequence[frame % sequence.length];
}

/** The ROM loader's refusals are the user's input: one line, exit 2. */
function readRom(path: string, game: string | undefined): Rom {
  try {
    return loadRom(path, game);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

const out = (line: string): void => { process.stdout.write(line + '\n'); };

function describeDiff(result: DiffResult): string {
  const d = result.first_difference;
  if (!d) return `ours and 6502.ts agree on all ${result.frames} frames (RAM and 210x160 pixels)`;
  const parts = [
    d.ram ? `RAM ${d.ram.address}: ours $${d.ram.ours.toString(16).padStart(2, '0')}, 6502.ts $${d.ram.theirs.toString(16).padStart(2, '0')}` : 'RAM identical',
    d.pixel ? `scanline ${d.pixel.scanline}, pixel ${d.pixel.x}: ours ${d.pixel.ours}, 6502.ts ${d.pixel.theirs}` : 'screen identical',
  ];
  return `first difference at frame ${d.frame} of ${result.frames}: ${parts.join('; ')}`;
}

/** Adds `a3c emu trace` and `a3c emu diff`. */
export function addEmuCommand(program: Command): void {
  const emu = program.command('emu')
    .description('check the Atari 2600 cores on a ROM: per-frame CRC-32 traces, or ours against 6502.ts side by side');
  emu.command('trace')
    .description('run a ROM from power-on and print one line per frame: CRC-32 of the 210x160 RGB screen and of the 128 bytes of RAM')
    .argument('<rom>', 'an Atari 2600 ROM image (.bin)')
    .requiredOption('--frames <n>', 'frames to run')
    .option('--actions <seq>', ACTIONS_HELP, 'NOOP')
    .addOption(new Option('--emulator <kind>', 'the 2600 core').choices(EMULATORS).default(DEFAULT_EMULATOR))
    .option('--game <id>', 'game settings (paddles) for a ROM whose MD5 is not in the table')
    .option('--json', 'one JSON object per frame: {"frame","screen_crc32","ram_crc32"}', false)
    .action((romPath: string, options: Record<string, unknown>) => {
      const flags = parseFlags(traceFlags, options);
      const actionAt = parseActions(flags.actions);
      const rom = readRom(romPath, flags.game);
      for (const line of traceFrames(flags.emulator, rom.game, rom.bytes, flags.frames, actionAt)) {
        out(flags.json ? JSON.stringify(line) : `frame ${String(line.frame).padStart(6)}  screen ${line.screen_crc32}  ram ${line.ram_crc32}`);
      }
    });
  emu.command('diff')
    .description('run a ROM on ours and on 6502.ts side by side and report the first frame, scanline and pixel (or RAM address) where they differ; exit 1 when they do')
    .argument('<rom>', 'an Atari 2600 ROM image (.bin)')
    .requiredOption('--frames <n>', 'frames to compare')
    .option('--actions <seq>', ACTIONS_HELP, 'NOOP')
    .option('--game <id>', 'game settings (paddles) for a ROM whose MD5 is not in the table')
    .option('--json', 'one JSON object: {"frames","identical","first_difference"}', false)
    .action((romPath: string, options: Record<string, unknown>) => {
      const flags = parseFlags(diffFlags, options);
      const actionAt = parseActions(flags.actions);
      const rom = readRom(romPath, flags.game);
      const result = diffCores(rom.game, rom.bytes, flags.frames, actionAt);
      out(flags.json ? JSON.stringify(result) : describeDiff(result));
      if (!result.identical) program.setOptionValue('exitCode', 1);
    });
}
