import type { Command } from 'commander';
import { serve, type ServeSummary } from '../distributed/learnerService.js';
import { AddressError, checkListen, parseAddress, serverCredentials, tokenFrom, TOKEN_VARIABLE } from '../distributed/security.js';
import { presetIds } from '../presets.js';
import { UsageError } from './flags.js';
import { formatInt } from './format.js';
import { runTrain } from './trainCommand.js';
import { addTrainOptions } from './trainOptions.js';

export const DEFAULT_LISTEN = '127.0.0.1:7000';

/** `a3c serve <env> [train flags] --listen HOST:PORT`: the learner service of a run trained by actor nodes. */
export function addServeCommand(program: Command): void {
  const command = program.command('serve')
    .description('the learner service of a run trained on many machines: owns the global network, optimizer, counters, checkpoints and metrics (the run directory, as train); actor nodes (a3c node --connect) do the acting and learning')
    .argument('[env]', `environment id: ${presetIds().join(', ')} (omit with --resume)`);
  addTrainOptions(command)
    .option('--listen <host:port>', `address for the nodes; any address but loopback needs --token (default: ${DEFAULT_LISTEN})`)
    .option('--token <secret>', `shared secret every node must present (default: $${TOKEN_VARIABLE})`)
    .option('--tls-cert <file>', 'serve over TLS with this PEM certificate chain (with --tls-key)')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert')
    .action(async (env: string | undefined, options: Record<string, unknown>) => {
      program.setOptionValue('exitCode', await runServe(env, options));
    });
}

async function runServe(env: string | undefined, options: Record<string, unknown>): Promise<number> {
  const text = (key: string): string | undefined => typeof options[key] === 'string' ? options[key] : undefined;
  let serveOptions;
  try {
    const address = parseAddress(text('listen') ?? DEFAULT_LISTEN, '--listen');
    const token = tokenFrom(text('token'));
    checkListen(address, token);
    const tls = { cert: text('tlsCert'), key: text('tlsKey') };
    serverCredentials(tls); // unreadable or half-given TLS files: refused before the run directory is touched
    serveOptions = { address, token, tls };
  } catch (error) {
    if (error instanceof AddressError) throw new UsageError(error.message);
    throw error;
  }
  let summary: ServeSummary | null = null;
  const code = await runTrain(env, options, async (config, runDir, hooks) => {
    summary = await serve(config, runDir, hooks, {
      ...serveOptions,
      onListening: (bound) => process.stderr.write(`a3c: learner service listening on ${bound}${serveOptions.tls.cert ? ' (TLS)' : ''}; start actor nodes with: a3c node --connect ${bound}${serveOptions.token ? ' --token ...' : ''}\n`),
      log: (line) => process.stderr.write(line + '\n'),
    });
    return summary;
  }, 'serve');
  const s = (summary as ServeSummary | null)?.service;
  if (s) {
    process.stderr.write(`a3c: ${formatInt(s.exchanges)} exchanges from ${s.nodesSeen} node session${s.nodesSeen === 1 ? '' : 's'}: ${(s.bytesIn / 1e6).toFixed(1)} MB in, ${(s.bytesOut / 1e6).toFixed(1)} MB out, ${s.exchanges ? (s.handlingMs / s.exchanges).toFixed(2) : '0'} ms of this process per exchange\n`);
  }
  return code;
}
