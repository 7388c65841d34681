import { Command, CommanderError, Option } from 'commander';
import { z } from 'zod';
import { presetIds } from '../presets.js';
import { describeWeights, evaluateRunWithWeights } from '../train/evaluate.js';
import { parseFlags, UsageError } from './flags.js';
import { runTrain } from './trainCommand.js';
import { addBenchCommand } from './benchCommand.js';
import { addPlotCommand } from './plotCommand.js';
import { addPlayCommand } from './playCommand.js';
import { addDashboardCommand } from './dashboardCommand.js';

const evalFlagsSchema = z.object({
  episodes: z.coerce.number().int().min(1).max(100000).default(10),
  seed: z.coerce.number().int().min(0).default(12345),
  json: z.boolean().default(false),
  greedy: z.boolean().default(false),
  rom: z.string().min(1).optional(),
  weights: z.enum(['best', 'latest']).optional(),
});

function buildProgram(): Command {
  const program = new Command('a3c')
    .description('Asynchronous Advantage Actor-Critic (A3C): parallel actor-learners on worker threads')
    .exitOverride()
    .enablePositionalOptions();

  program.command('train')
    .description('train an agent; writes config.json, metrics.jsonl, TensorBoard events, checkpoints/ and model.safetensors to the run directory')
    .argument('[env]', `environment id: ${presetIds().join(', ')} (omit with --resume)`)
    .option('--workers <n>', 'actor-learner threads (default: number of cores)')
    .option('--seed <s>', 'run seed; worker k is seeded seed+k (default 0)')
    .option('--steps <n>', 'stop once the run has made this many global agent steps in total')
    .option('--time <seconds>', 'stop after this many seconds (of this invocation)')
    .option('--run-dir <dir>', 'output directory (default: runs/<env>-<timestamp>)')
    .option('--resume <run-dir>', 'continue a run from its newest checkpoint: weights, optimizer, counters and curves')
    .option('--net <name>', 'network from the preset (cartpole: mlp; breakout: reference, small)')
    .option('--lr <x>', 'learning rate (default: the preset\'s)')
    .option('--t-max <n>', 'steps per rollout before each update (default 20)')
    .option('--gamma <x>', 'discount factor (default 0.99)')
    .option('--entropy <x>', 'entropy weight (default 0.01)')
    .addOption(new Option('--optimizer <kind>', 'shared optimizer').choices(['adam', 'rmsprop']))
    .option('--hogwild', 'apply updates without the lock, as the A3C paper')
    .option('--life-loss-terminal', 'treat a lost life as terminal (DQN-style); the reference bootstraps across lives')
    .option('--target-return <x|none>', 'stop when an evaluation of the saved best weights reaches a mean return of x (cartpole: 475)')
    .option('--eval-every <seconds>', 'evaluate the global weights this often in a thread of their own, keeping the best in best.safetensors (0: never; default 2 with a target return, else 300)')
    .option('--eval-episodes <n>', 'episodes per evaluation (default 10 with a target return, else 5)')
    .option('--kernels <kind>', 'wasm (SIMD, default) or js (the TypeScript reference kernels)')
    .option('--env-option <key=value...>', 'environment option, repeatable (breakout: repeatActionProbability=0.25, frameSkip, maxPoolLastTwoFrames, ballSpeed, noopStart)')
    .option('--rom <file>', 'Atari 2600 ROM: play the real game on the emulator (breakout: optional; pong, space_invaders, seaquest, beam_rider, qbert, enduro: required)')
    .option('--game <id>', 'run a known game from a ROM whose MD5 differs (another dump)')
    .option('--checkpoint-every <seconds>', 'write a checkpoint this often (default 600, as the reference saved its weights)')
    .option('--keep-checkpoints <k>', 'checkpoints to keep (default 3)')
    .option('--dashboard', 'serve the live dashboard while training')
    .option('--host <address>', 'dashboard address (default 127.0.0.1: this machine only)')
    .option('--port <port>', 'dashboard port (default 8787)')
    .option('--json-logs', 'print one JSON object per line (episodes, checkpoints, summary) for scripts')
    .option('--quiet', 'print only errors')
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
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`a3c: ${message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
