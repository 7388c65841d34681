import { Command, CommanderError } from 'commander';
import { describeFsError, DirectoryError } from '../io/directory.js';
import { presetIds } from '../presets.js';
import { UsageError } from './flags.js';
import { runTrain } from './trainCommand.js';
import { addTrainOptions } from './trainOptions.js';
import { addBenchCommand } from './benchCommand.js';
import { addEvalCommand } from './evalCommand.js';
import { addPlotCommand } from './plotCommand.js';
import { addPlayCommand } from './playCommand.js';
import { addDashboardCommand } from './dashboardCommand.js';
import { addServeCommand } from './serveCommand.js';
import { addNodeCommand } from './nodeCommand.js';
import { addEmuCommand } from './emuCommand.js';

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

  addEvalCommand(program);
  addBenchCommand(program);
  addPlotCommand(program);
  addPlayCommand(program);
  addDashboardCommand(program);
  addServeCommand(program);
  addNodeCommand(program);
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
