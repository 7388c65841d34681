import { availableParallelism } from 'node:os';
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { DEFAULT_RETRY_FOR_SECONDS, DEFAULT_SYNC_EVERY, DEFAULT_SYNC_MAX_MS, NodeRefused, runNode } from '../distributed/actorNode.js';
import { Precision } from '../distributed/protocol.js';
import { AddressError, parseAddress, tokenFrom, TOKEN_VARIABLE } from '../distributed/security.js';
import { getPreset } from '../presets.js';
import { fromDecimalText, integerIn } from '../settings/values.js';
import { parseFlags, UsageError } from './flags.js';
import { formatInt } from './format.js';

const nodeFlagsSchema = z.object({
  connect: z.string().min(1),
  workers: fromDecimalText(integerIn(1, 1024)).optional(),
  token: z.string().optional(),
  tls: z.boolean().default(false),
  tlsCa: z.string().min(1).optional(),
  precision: z.enum(['f32', 'f16']).default('f32'),
  syncEvery: fromDecimalText(integerIn(1, 1_000_000)).default(DEFAULT_SYNC_EVERY),
  syncMaxMs: fromDecimalText(integerIn(1, 3_600_000)).default(DEFAULT_SYNC_MAX_MS),
  env: z.string().min(1).optional(),
  rom: z.string().min(1).optional(),
  retryFor: fromDecimalText(integerIn(1, 7 * 86_400)).default(DEFAULT_RETRY_FOR_SECONDS),
});

/** `a3c node --connect HOST:PORT [--workers N]`: actor-learners on this machine for a learner service. */
export function addNodeCommand(program: Command): void {
  program.command('node')
    .description('run actor-learners on this machine for a learner service (a3c serve): the environment and network are the service\'s; reconnects by itself')
    .requiredOption('--connect <host:port>', 'the learner service\'s address')
    .option('--workers <n>', 'actor-learner threads (default: the machine\'s cores)')
    .option('--token <secret>', `the service's shared secret (default: $${TOKEN_VARIABLE})`)
    .option('--tls', 'connect over TLS, trusting the system\'s certificate authorities', false)
    .option('--tls-ca <file>', 'connect over TLS, trusting this PEM certificate (e.g. the service\'s own)')
    .addOption(new Option('--precision <bits>', 'how weights and changes travel: f16 halves the bytes').choices(['f32', 'f16']).default('f32'))
    .option('--sync-every <updates>', 'exchange with the service after this many updates of this node\'s workers together', String(DEFAULT_SYNC_EVERY))
    .option('--sync-max-ms <ms>', '...or after this many milliseconds, whichever comes first', String(DEFAULT_SYNC_MAX_MS))
    .option('--env <id>', 'refuse a service that trains another environment')
    .option('--rom <file>', 'this machine\'s copy of the Atari ROM the service trains on')
    .option('--retry-for <seconds>', 'give up after this long without a service', String(DEFAULT_RETRY_FOR_SECONDS))
    .action(async (options: Record<string, unknown>) => {
      program.setOptionValue('exitCode', await runNodeCommand(options));
    });
}

async function runNodeCommand(options: Record<string, unknown>): Promise<number> {
  const flags = parseFlags(nodeFlagsSchema, options);
  let address;
  try {
    address = parseAddress(flags.connect, '--connect');
  } catch (error) {
    throw error instanceof AddressError ? new UsageError(error.message) : error;
  }
  if (flags.env !== undefined) {
    try { getPreset(flags.env); } catch (error) { throw new UsageError(`--env: ${(error as Error).message}`); }
  }
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\na3c: sending this node\'s last change and leaving (Ctrl-C again to quit at once)\n');
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const workers = flags.workers ?? availableParallelism();
  try {
    const summary = await runNode({
      address, token: tokenFrom(flags.token), tls: { enabled: flags.tls, ca: flags.tlsCa }, workers,
      precision: flags.precision === 'f16' ? Precision.FLOAT16 : Precision.FLOAT32,
      syncEvery: flags.syncEvery, syncMaxMs: flags.syncMaxMs, env: flags.env, rom: flags.rom, retryForSeconds: flags.retryFor,
      log: (line) => process.stderr.write(line + '\n'), signal: controller.signal,
      onWorkerFault: (fault) => process.stderr.write(`a3c: worker ${fault.rank} died (${fault.cause})${fault.restarting ? '; restarting it' : ''}\n`),
    });
    process.stderr.write(`a3c: node done: ${formatInt(summary.exchanges)} exchanges in ${summary.sessions} session${summary.sessions === 1 ? '' : 's'}, ${(summary.bytesSent / 1e6).toFixed(1)} MB sent, ${(summary.bytesReceived / 1e6).toFixed(1)} MB received\n`);
    return 0;
  } catch (error) {
    if (error instanceof NodeRefused) {
      process.stderr.write(`a3c: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
