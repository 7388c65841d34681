import { Command, CommanderError, Option } from 'commander';
import { z } from 'zod';
import { describeFsError, DirectoryError } from '../io/directory.js';
import { presetIds } from '../presets.js';
import { fromDecimalText, integerIn, seedSchema } from '../settings/values.js';
import { describeWeights, evaluateRunWithWeights } from '../train/evaluate.js';
import { parseFlags, UsageError } from './flags.js';
import { runTrain } from './trainCommand.js';
import { addTrainOptions } from './trainOptions.js';
import { addBenchCommand } from './benchCommand.js';
import { addPlotCommand } from './plotCommand.js';
import { addPlayCommand } from './playCommand.js';
import { addDashboardCommand } from './dashboardCommand.js';
import { addEmuCommand } from './emuCommand.js';
import { EMULATORS } from '../envs/atari/emulatorCore.js';

const evalFlagsSchema = z.object({
  episodes: fromDecimalText(integerIn(1, 100000)).default(10),
  seed: fromDecimalText(seedSchema).default(12345),
  json: z.boolean().default(false),
  greedy: z.boolean().default(false),
  rom: z.string().min(1).optional(),
  emulator: z.enum(EMULATORS).optional(),
  weights: z.enum(['best', 'latest']).optional(),
});

function buildProgram(): Command {
  const program = new Command('a3c')
    .description('Asynchronous Advantage Actor-Critic (A3C): parallel actor-learners on worker threads')
    .exitOverride()
    .enablePositionalOptions();

  const trainCommand = program.command('train')
    .description('train an agent; writes config.json, metrics.jsonl, TensorBoard events, checkpoints/ and model.safetensors to the run directory')
    .argument('[env]', `environment id: ${presetIds().join(', ')} (omit with --resume)`);
  addTrainOptions(trainCommand)
    .action(async (env: string | undefined, options: Record<string, unknown>) => {
      program.setOptionValue('exitCode', await runTrain(env, options));
    });

  program.command('eval')
    .description('play the saved policy of a run and print mean/std/min/max return')
    .argument('<run-dir>', 'a directory written by a3c train')
    .option('--episodes <n>', 'episodes to play', '10')
    .option('--seed <s>', 'environment and sampling seed', '12345')
    .option('--greedy', 'take the most probable action instead of sampling', false)
    .option('--rom <file>', 'the run\'s Atari ROM, if it moved since training')
    .addOption(new Option('--emulator <kind>', 'the 2600 core to play on (default: the run\'s)').choices(EMULATORS))
    .option('--json', 'print exactly one JSON object', false)
    .addOption(new Option('--weights <which>', 'best.safetensors (the evaluator\'s best) or model.safetensors (the latest); default: best when the run has it').choices(['best', 'latest']))
    .action((runDir: string, options: Record<string, unknown>) => {
      const flags = parseFlags(evalFlagsSchema, options);
      const { result, weights } = evaluateRunWithWeights(runDir, flags);
      // Which weights were played, on stderr under --json so stdout stays one object.
      (flags.json ? process.stderr : process.stdout).write(`a3c: ${describeWeights(weights)}\n`);
      if (flags.json) process.stdout.write(JSON.stringify(result) + '\n');
      else process.stdout.write(`${result.episodes} episodes: mean return ${result.mean_return.toFixed(2)} ± ${result.std_return.toFixed(2)} (min ${result.min_return}, max ${result.max_return})\n`);
    });
  addBenchCommand(program);
  addPlotCommand(program);
  addPlayCommand(program);
  addDashboardCommand(program);
  addEmuCommand(program);
  return program;
}

/** Runs the CLI on `argv` (process.argv layout) and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  // A closed pipe (`a3c train ... | head`, or a tee killed by the same Ctrl-C) must not crash
  // the process before it saves: output is best-effort, the run directory is what matters.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => { if (error.code !== 'EPIPE') throw error; });
  }
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return Number(program.getOptionValue('exitCode') ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2; // commander printed its one line
    const message = describeFsError(error) ?? (error instanceof Error ? error.message : String(error));
    process.stderr.write(`a3c: ${message.split('\n')[0]}\n`);
    return error instanceof UsageError || error instanceof DirectoryError ? 2 : 1;
  }
}
