import { Option, type Command } from 'commander';
import { z } from 'zod';
import { prepareDirectory } from '../io/directory.js';
import { recordRun } from '../play/record.js';
import { fromDecimalText, integerIn, seedSchema } from '../settings/values.js';
import { formatInt } from './format.js';
import { describeWeights } from '../train/evaluate.js';
import { parseFlags, UsageError } from './flags.js';
import { EMULATORS } from '../envs/atari/emulatorCore.js';

const playFlags = z.object({
  episodes: fromDecimalText(integerIn(1, 1000)).default(1),
  seed: fromDecimalText(seedSchema).default(12345),
  greedy: z.boolean().default(false),
  gif: z.string().min(1).optional(),
  pngDir: z.string().min(1).optional(),
  scale: fromDecimalText(integerIn(1, 8)).default(2),
  rom: z.string().min(1).optional(),
  emulator: z.enum(EMULATORS).optional(),
  weights: z.enum(['best', 'latest']).optional(),
});

/** Adds `a3c play <run-dir>`: records the saved policy playing, as an animated GIF and/or PNG frames. */
export function addPlayCommand(program: Command): void {
  program.command('play')
    .description('record the saved policy of a run playing (full colour, score shown) to a GIF and/or PNG frames')
    .argument('<run-dir>', 'a directory written by a3c train')
    .option('--episodes <n>', 'episodes to play', '1')
    .option('--seed <s>', 'environment and sampling seed', '12345')
    .option('--greedy', 'take the most probable action instead of sampling')
    .option('--gif <file>', 'write an animated GIF')
    .option('--png-dir <dir>', 'write one PNG per agent step into this directory')
    .option('--scale <k>', 'enlarge frames k times', '2')
    .option('--rom <file>', 'the run\'s Atari ROM, if it moved since training')
    .addOption(new Option('--emulator <kind>', 'the 2600 core to play on (default: the run\'s)').choices(EMULATORS))
    .addOption(new Option('--weights <which>', 'best.safetensors (the evaluator\'s best) or model.safetensors (the latest); default: best when the run has it').choices(['best', 'latest']))
    .action((runDir: string, options: Record<string, unknown>) => {
      const flags = parseFlags(playFlags, options);
      if (!flags.gif && !flags.pngDir) throw new UsageError('play: nothing to record: pass --gif FILE and/or --png-dir DIR (a3c eval prints statistics)');
      if (flags.pngDir) prepareDirectory(flags.pngDir, '--png-dir'); // before playing: a bad directory is one line, not a late failure
      const result = recordRun(runDir, flags);
      process.stdout.write(`a3c: ${describeWeights(result.weights)}\n`);
      const outputs = [flags.gif ? `${flags.gif} (${formatInt(result.gifBytes / 1024)} KiB)` : '', flags.pngDir ? `${flags.pngDir}/frame-*.png` : ''].filter(Boolean).join(' and ');
      process.stdout.write(`a3c: ${result.returns.length} episode${result.returns.length > 1 ? 's' : ''} (returns ${result.returns.join(', ')}), ${formatInt(result.frames)} frames to ${outputs}\n`);
    });
}
