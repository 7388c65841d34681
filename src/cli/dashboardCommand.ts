import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { exposureWarning } from '../dashboard/exposure.js';
import { startDashboard } from '../dashboard/server.js';
import { parseFlags, UsageError } from './flags.js';

const dashboardFlags = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8787),
});

/** Adds `a3c dashboard <run-dir>`: serves live learning curves and the game of a run, running or finished. */
export function addDashboardCommand(program: Command): void {
  program.command('dashboard')
    .description('serve a live dashboard (learning curves, worker 0\'s game) for a run directory; Ctrl-C stops it')
    .argument('<run-dir>', 'a directory written by a3c train (it may still be training)')
    .option('--host <address>', 'address to listen on (default 127.0.0.1: this machine only)')
    .option('--port <port>', 'port (default 8787; 0 picks a free one)')
    .action(async (runDir: string, options: Record<string, unknown>) => {
      const flags = parseFlags(dashboardFlags, options);
      if (!existsSync(runDir)) throw new UsageError(`run directory ${runDir} does not exist`);
      const warning = exposureWarning(flags.host);
      if (warning) process.stderr.write(`a3c: warning: ${warning}\n`);
      const dashboard = await startDashboard(runDir, flags);
      process.stdout.write(`a3c: dashboard for ${runDir} at ${dashboard.url} (Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => { process.off('SIGINT', stop); process.off('SIGTERM', stop); void dashboard.close().then(resolve); };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
