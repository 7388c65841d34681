import { Option, type Command } from 'commander';
import { z } from 'zod';
import { fromDecimalText, integerIn, numberIn, seedSchema } from '../settings/values.js';
import { EMULATORS } from '../envs/atari/emulatorCore.js';
import { evaluateRunWithWeights } from '../presetEngine.js';
import { describeWeights, type EvalProtocol, type ProtocolEcho } from '../train/evaluate.js';
import { parseFlags, UsageError } from './flags.js';

const evalFlagsSchema = z.object({
  episodes: fromDecimalText(integerIn(1, 100000)).default(10),
  seed: fromDecimalText(seedSchema).default(12345),
  json: z.boolean().default(false),
  policy: z.enum(['greedy', 'sample']).optional(),
  greedy: z.boolean().default(false),
  noopMax: fromDecimalText(integerIn(1, 1000)).optional(),
  maxEpisodeFrames: fromDecimalText(integerIn(1, 10_000_000)).optional(),
  stickyActions: fromDecimalText(numberIn(0, 1, { exclusiveMax: true })).optional(),
  rom: z.string().min(1).optional(),
  weights: z.enum(['best', 'latest']).optional(),
  emulator: z.enum(EMULATORS).optional(),
});

/** One line of the protocol, for the human output. */
function describeProtocol(p: ProtocolEcho): string {
  const starts = p.random_starts ? `1-${p.random_starts.max} ${p.random_starts.action} starts` : 'no random starts';
  const frames = p.max_episode_frames !== null ? `, episodes cut at ${p.max_episode_frames} frames` : '';
  const sticky = p.sticky_actions !== null ? `, sticky actions ${p.sticky_actions}` : '';
  return `protocol: ${p.policy === 'greedy' ? 'greedy' : 'sampled'} actions, ${starts}${frames}${sticky}`;
}

/**
 * Adds `a3c eval <run-dir>`: plays the saved policy and prints its return statistics, under the
 * run's own environment or a standard evaluation protocol (no-op starts, a frame limit, sticky
 * actions, greedy or sampled actions), echoed with the scores so they compare with published tables.
 */
export function addEvalCommand(program: Command): void {
  program.command('eval')
    .description('play the saved policy of a run and print mean/std/min/max return, with the protocol it was played under')
    .argument('<run-dir>', 'a directory written by a3c train')
    .option('--episodes <n>', 'episodes to play', '10')
    .option('--seed <s>', 'environment and sampling seed', '12345')
    .addOption(new Option('--policy <kind>', 'greedy (the most probable action) or sample (from the policy) (default sample)').choices(['greedy', 'sample']))
    .addOption(new Option('--greedy', 'the same as --policy greedy').hideHelp())
    .option('--noop-max <n>', 'start each episode with 1..n random no-ops, as DQN-era tables (e.g. 30), in place of the preset\'s starts (default: breakout 1-30 FIRE as the book; the --rom games 1-30 NOOP)')
    .option('--max-episode-frames <n>', 'cut an episode after n emulator frames (default: the run\'s, 108000 = 30 minutes at 60 Hz)')
    .option('--sticky-actions <p>', 'repeat the previous action on each frame with probability p, as ALE v5 (0.25) (default: the run\'s, 0)')
    .option('--rom <file>', 'the run\'s Atari ROM, if it moved since training')
    .option('--json', 'print exactly one JSON object: the scores and the protocol', false)
    .addOption(new Option('--emulator <kind>', 'the 2600 core to play on (default: the run\'s)').choices(EMULATORS))
    .addOption(new Option('--weights <which>', 'best.safetensors (the evaluator\'s best) or model.safetensors (the latest); default: best when the run has it').choices(['best', 'latest']))
    .action((runDir: string, options: Record<string, unknown>) => {
      const flags = parseFlags(evalFlagsSchema, options);
      if (flags.greedy && flags.policy === 'sample') throw new UsageError('--greedy contradicts --policy sample: give one of them');
      const greedy = flags.greedy || flags.policy === 'greedy';
      const protocol: EvalProtocol = { noopMax: flags.noopMax, maxEpisodeFrames: flags.maxEpisodeFrames, stickyActions: flags.stickyActions };
      const { result, weights, protocol: echo } = evaluateRunWithWeights(runDir, { ...flags, greedy, protocol });
      // Which weights were played, on stderr under --json so stdout stays one object.
      (flags.json ? process.stderr : process.stdout).write(`a3c: ${describeWeights(weights)}\n`);
      if (flags.json) process.stdout.write(JSON.stringify({ ...result, protocol: echo }) + '\n');
      else {
        process.stdout.write(`${result.episodes} episodes: mean return ${result.mean_return.toFixed(2)} ± ${result.std_return.toFixed(2)} (min ${result.min_return}, max ${result.max_return})\n`);
        process.stdout.write(`${describeProtocol(echo)}\n`);
      }
    });
}
