/**
 * Entry of the dashboard's own process (started by isolatedDashboard.ts). It serves until its
 * parent goes away: the IPC channel closes even when the parent is killed, so it never
 * outlives the training and never keeps the port.
 */
import { startDashboard, type DashboardOptions } from './server.js';

export type DashboardProcessMessage = { kind: 'listening'; url: string } | { kind: 'failed'; message: string };

const send = (message: DashboardProcessMessage, then?: () => void): void => {
  process.send?.(message, undefined, {}, () => then?.());
};

process.on('disconnect', () => process.exit(0));
// Ctrl-C in a terminal signals the whole process group: the training stops first and then
// closes this process through the channel, so a signal alone must not end it early.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
const { runDir, options } = JSON.parse(process.argv[2] ?? '{}') as { runDir: string; options: DashboardOptions };
startDashboard(runDir, options).then(
  (dashboard) => send({ kind: 'listening', url: dashboard.url }),
  (error: Error) => send({ kind: 'failed', message: error.message }, () => process.exit(1)),
);
