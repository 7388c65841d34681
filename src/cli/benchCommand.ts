import { availableParallelism } from 'node:os';
import { Option, type Command } from 'commander';
import { EMULATORS } from '../envs/atari/emulatorCore.js';
import { z } from 'zod';
import { benchEnv } from '../bench/envBench.js';
import { benchNn } from '../bench/nnBench.js';
import { benchTrain, planTrainBench, type TrainBenchResult } from '../bench/trainBench.js';
import { benchNodes } from '../distributed/nodesBench.js';
import { benchService } from '../distributed/serviceBench.js';
import { fromDecimalText, integerIn } from '../settings/values.js';
import { parseFlags, UsageError } from './flags.js';
import { formatWorkers } from './format.js';

const nnFlags = z.object({
  net: z.enum(['reference', 'small', 'lstm']).default('reference'),
  kernels: z.enum(['wasm', 'js']).optional(),
  seconds: fromDecimalText(z.number().positive().max(600)).default(2),
  json: z.boolean().default(false),
});
const envFlags = z.object({ seconds: fromDecimalText(z.number().positive().max(600)).default(2), json: z.boolean().default(false), rom: z.string().min(1).optional(), game: z.string().min(1).optional(), emulator: z.enum(EMULATORS).optional() });
const trainFlags = z.object({
  workers: fromDecimalText(integerIn(1, 256)).optional(),
  envsPerThread: fromDecimalText(integerIn(1, 256)).optional(),
  seconds: fromDecimalText(z.number().positive().max(3600)).default(10),
  net: z.string().optional(),
  kernels: z.enum(['wasm', 'js']).optional(),
  rom: z.string().min(1).optional(),
  game: z.string().min(1).optional(),
  emulator: z.enum(EMULATORS).optional(),
  baselineWorkers: fromDecimalText(integerIn(1, 256)).optional(),
  baselineEnvsPerThread: fromDecimalText(integerIn(1, 256)).optional(),
  json: z.boolean().default(false),
});

const serviceFlags = z.object({
  nodes: fromDecimalText(integerIn(1, 256)).default(4),
  seconds: fromDecimalText(z.number().positive().max(3600)).default(10),
  precision: z.enum(['f32', 'f16']).default('f32'),
  json: z.boolean().default(false),
});
const nodeCounts = z.string().regex(/^\d+(,\d+)*$/, 'a comma-separated list of node counts, e.g. 1,2,3')
  .transform((text) => text.split(',').map(Number))
  .refine((counts) => counts.every((n) => n >= 1 && n <= 64), 'node counts from 1 to 64');
const nodesFlags = z.object({
  nodes: nodeCounts.default([1, 2, 3]),
  workers: fromDecimalText(integerIn(1, 256)).default(1),
  seconds: fromDecimalText(z.number().min(10).max(3600)).default(30),
  precision: z.enum(['f32', 'f16']).default('f32'),
  syncEvery: fromDecimalText(integerIn(1, 100_000)).optional(),
  json: z.boolean().default(false),
});

function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}
const f = (x: number, digits = 2) => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const out = (s: string): void => { process.stdout.write(s + '\n'); };

async function runNn(raw: Record<string, unknown>): Promise<void> {
  const o = parseFlags(nnFlags, raw);
  const r = benchNn(o.net, o.seconds, o.kernels);
  if (o.json) return out(JSON.stringify(r));
  out(`nn: ${r.net} net (${r.params.toLocaleString('en-US')} parameters), ${r.kernels}${r.kernel_build === 'fma' ? ' (fused multiply-add)' : ''} kernels, one thread, medians after warm-up`);
  out(table([
    ['forward, batch 1', `${f(r.forward_b1_ms, 3)} ms  (${f(r.gflops_forward, 1)} GFLOP/s)`],
    ['backward, batch 20', `${f(r.backward_b20_ms, 2)} ms`],
    ['update, batch 20', `${f(r.update_b20_ms, 2)} ms  (${f(r.gflops_update, 1)} GFLOP/s; forward + backward + clip + Adam)`],
    ...r.layers.map((l): [string, string] => [`  ${l.name}`, `forward b1 ${f(l.forward_b1_ms, 3)} ms, backward b20 ${f(l.backward_b20_ms, 2)} ms`]),
  ]));
}

async function runEnv(envId: string, raw: Record<string, unknown>): Promise<void> {
  const o = parseFlags(envFlags, raw);
  let r;
  try {
    r = await benchEnv(envId, o.seconds, o.rom ? { path: o.rom, game: o.game, emulator: o.emulator } : undefined);
  } catch (error) {
    throw new UsageError((error as Error).message); // the environment and ROM are the user's choice, as for train
  }
  if (o.json) return out(JSON.stringify(r));
  out(`env: ${r.env}${r.game ? ` (ROM ${r.rom_md5} as ${r.game}, ${r.emulator} emulator)` : ''}, random actions, one thread`);
  out(table([
    ['raw steps/s', f(r.raw_steps_per_s, 0) + (r.baseline_raw_steps_per_s !== undefined ? `  (reference drawing: ${f(r.baseline_raw_steps_per_s, 0)})` : '')],
    ['preprocessed steps/s', f(r.preprocessed_steps_per_s, 0) + (r.baseline_preprocessed_steps_per_s !== undefined ? `  (reference: ${f(r.baseline_preprocessed_steps_per_s, 0)})` : '')],
    ...(r.train_share_env !== undefined ? [['time in env, training loop, 1 worker', pct(r.train_share_env) + (r.baseline_train_share_env !== undefined ? `  (reference: ${pct(r.baseline_train_share_env)})` : '')] as [string, string]] : []),
    ...Object.entries(r.emulated_frames_per_s_by_emulator ?? {}).map(([kind, fps]): [string, string] => [`emulated frames/s, ${kind}`, f(fps, 0)]),
  ]));
}

/** The table rows of one training measurement. */
function trainRows(r: TrainBenchResult): [string, string][] {
  return [
    ['agent steps/s', `${f(r.agent_steps_per_s, 0)} (whole run, start-up included: ${f(r.agent_steps_per_s_whole_run, 0)})`],
    ['per worker', f(r.agent_steps_per_s / r.workers, 0)],
    ['updates/s', f(r.updates_per_s, 1)],
    ['time in env', pct(r.share_env)],
    ['time in forward (acting)', pct(r.share_forward)],
    ['time in update', pct(r.share_update)],
    ['waiting for the update lock', `${pct(r.share_lock_wait)} (${f(r.lock_wait_ms_per_update, 2)} ms per update)`],
    ['holding the update lock', `${pct(r.share_lock_hold)} (${f(r.lock_hold_ms_per_update, 2)} ms per update)`],
  ];
}

async function runTrainBench(envId: string, raw: Record<string, unknown>): Promise<void> {
  const o = parseFlags(trainFlags, raw);
  let plan;
  try {
    plan = planTrainBench(envId, { workers: o.workers ?? availableParallelism(), seconds: o.seconds, net: o.net, kernels: o.kernels, envsPerThread: o.envsPerThread, rom: o.rom ? { path: o.rom, game: o.game, emulator: o.emulator } : undefined,
      baselineWorkers: o.baselineWorkers, baselineEnvsPerThread: o.baselineEnvsPerThread });
  } catch (error) {
    throw new UsageError((error as Error).message); // the environment and ROM are the user's choice, as for train
  }
  const r = await benchTrain(plan);
  if (o.json) return out(JSON.stringify(r));
  const rom = r.game ? ` on ROM ${r.rom_md5} as ${r.game} (${r.emulator} emulator)` : '';
  out(`train: ${r.env}${rom} (${r.net} net, ${r.kernels} kernels), ${formatWorkers(r.workers, r.envs_per_thread)}, ${f(r.seconds, 1)} s`);
  out(table([...trainRows(r), ['peak resident memory (the process)', `${f(r.peak_rss_mib ?? 0, 0)} MiB`]]));
  if (!r.baseline) return;
  const b = r.baseline;
  out(r.game
    ? `baseline: built-in ${b.env}, same net, workers and seconds, right after (${f(b.seconds, 1)} s)`
    : `baseline: ${b.env}, same net, ${formatWorkers(b.workers, b.envs_per_thread)}, right after (${f(b.seconds, 1)} s)`);
  out(table([...trainRows(b), [r.game ? 'ROM / built-in, agent steps/s' : 'measured / baseline, agent steps/s', f(r.agent_steps_ratio_to_baseline ?? 0, 2)]]));
}

async function runServiceBench(envId: string, raw: Record<string, unknown>): Promise<void> {
  const o = parseFlags(serviceFlags, raw);
  let r;
  try {
    r = await benchService(envId, o.nodes, o.seconds, o.precision);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (o.json) return out(JSON.stringify(r));
  out(`service: ${r.env} (${r.net} net), ${r.nodes} synthetic node${r.nodes > 1 ? 's' : ''} answering at once, ${r.precision}, ${f(r.seconds, 1)} s`);
  out(table([
    ['exchanges/s', f(r.exchanges_per_s, 1)],
    ['bytes per exchange', `${f(r.bytes_per_exchange_in / 1e6, 2)} MB in, ${f(r.bytes_per_exchange_out / 1e6, 2)} MB out`],
    ['service CPU per exchange', `${f(r.service_cpu_ms_per_exchange, 2)} ms (handling on its thread: ${f(r.service_handling_ms_per_exchange, 2)} ms)`],
  ]));
}

async function runNodesBench(envId: string, raw: Record<string, unknown>): Promise<void> {
  const o = parseFlags(nodesFlags, raw);
  let rows;
  try {
    rows = await benchNodes({ env: envId, counts: o.nodes, workersPerNode: o.workers, seconds: o.seconds, precision: o.precision, syncEvery: o.syncEvery });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (o.json) return rows.forEach((r) => out(JSON.stringify({ env: envId, precision: o.precision, seconds: o.seconds, ...r })));
  out(`nodes: ${envId}, a service and N node processes of ${o.workers} worker${o.workers > 1 ? 's' : ''} (${o.precision}) against a3c train with the same workers, ${o.seconds} s each`);
  out(table(rows.map((r): [string, string] => [`${r.nodes} node${r.nodes > 1 ? 's' : ''}`,
    `${f(r.service_steps_per_s, 0)} agent steps/s, train ${f(r.train_steps_per_s, 0)} (${f(r.service_steps_per_s / r.train_steps_per_s, 2)}x); ${f(r.exchanges_per_s, 1)} exchanges/s, ${f(r.megabytes_per_s, 1)} MB/s`])));
}

/** Adds `a3c bench [nn|env|train|service|nodes]` to the program. */
export function addBenchCommand(program: Command): void {
  const bench = program.command('bench')
    .enablePositionalOptions()
    .description('speed figures: network kernels, environment, whole training loop (alone: a short suite of all three)')
    .option('--json', 'one JSON object per benchmark', false)
    .action(async (options: { json: boolean }) => {
      await runNn({ net: 'reference', seconds: '1', json: options.json });
      await runNn({ net: 'small', seconds: '1', json: options.json });
      await runEnv('breakout', { seconds: '1', json: options.json });
      await runTrainBench('breakout', { seconds: '8', json: options.json });
    });
  bench.command('nn')
    .description('forward (batch 1) and update (batch 20) of an Atari net')
    .option('--net <name>', 'reference (conv32/conv64/fc512), small (conv16/conv32/fc256) or lstm (small + LSTM 256)', 'reference')
    .option('--kernels <kind>', 'wasm (SIMD) or js (the TypeScript reference kernels)')
    .option('--seconds <s>', 'time per measurement', '2')
    .option('--json', 'print one JSON object', false)
    .action((options: Record<string, unknown>) => runNn(options));
  bench.command('env')
    .description('environment steps per second, raw and through the preset preprocessing')
    .argument('<env>', 'environment id')
    .option('--seconds <s>', 'time per measurement', '2')
    .option('--rom <file>', 'an Atari 2600 ROM: measure the emulator (any ROM with --game, e.g. a test fixture)')
    .option('--game <id>', 'game settings for a ROM whose MD5 is not in the table')
    .addOption(new Option('--emulator <kind>', 'the 2600 core of the raw and preprocessed figures (frames/s are measured on each)').choices(EMULATORS))
    .option('--json', 'print one JSON object', false)
    .action((envId: string, options: Record<string, unknown>) => runEnv(envId, options));
  bench.command('train')
    .description('the whole A3C loop: agent steps/s, updates/s and where the time goes')
    .argument('<env>', 'environment id')
    .option('--workers <n>', 'actor-learners (default: number of cores)')
    .option('--envs-per-thread <k>', 'actor-learners per thread, acting with one batched forward pass (default: as train)')
    .option('--seconds <s>', 'how long to train', '10')
    .option('--net <name>', 'network from the preset')
    .option('--kernels <kind>', 'wasm (SIMD) or js (the TypeScript reference kernels)')
    .option('--rom <file>', 'train on an Atari 2600 ROM, then the built-in Breakout with the same net and workers (any ROM with --game, e.g. a test fixture)')
    .option('--game <id>', 'game settings for a ROM whose MD5 is not in the table')
    .addOption(new Option('--emulator <kind>', 'the 2600 core that runs the ROM').choices(EMULATORS))
    .option('--baseline-workers <n>', 'then train the same environment with n workers and report the ratio (e.g. 1, for the scaling of --workers 2)')
    .option('--baseline-envs-per-thread <k>', 'then train the same environment with k actor-learners per thread and report the ratio (e.g. 1: batched against one thread each)')
    .option('--json', 'print one JSON object', false)
    .action((envId: string, options: Record<string, unknown>) => runTrainBench(envId, options));
  bench.command('service')
    .description('the learner service\'s capacity: exchanges/s it absorbs from synthetic nodes, bytes and CPU per exchange')
    .argument('[env]', 'environment id (its network sets the bytes)', 'breakout')
    .option('--nodes <n>', 'synthetic nodes, each sending its next change as soon as it is answered', '4')
    .option('--seconds <s>', 'how long to serve', '10')
    .addOption(new Option('--precision <bits>', 'how changes and weights travel').choices(['f32', 'f16']).default('f32'))
    .option('--json', 'print one JSON object', false)
    .action((envId: string, options: Record<string, unknown>) => runServiceBench(envId, options));
  bench.command('nodes')
    .description('agent steps/s of a service with 1, 2, ... node processes on this machine against a3c train with as many workers')
    .argument('<env>', 'environment id')
    .option('--nodes <list>', 'node counts to measure, comma-separated', '1,2,3')
    .option('--workers <n>', 'workers per node', '1')
    .option('--seconds <s>', 'how long each run trains (at least 10: rates are taken between the 5-second records)', '30')
    .addOption(new Option('--precision <bits>', 'how changes and weights travel').choices(['f32', 'f16']).default('f32'))
    .option('--sync-every <n>', 'the nodes\' --sync-every')
    .option('--json', 'one JSON object per node count', false)
    .action((envId: string, options: Record<string, unknown>) => runNodesBench(envId, options));
}
