/**
 * Whether a listen address keeps the dashboard on this machine. The dashboard has no login,
 * so anyone who can reach another address sees the run directory's curves, config and game.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || h === '0:0:0:0:0:0:0:1'
    || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The one-line warning for a non-loopback --host (without the "a3c: warning: " prefix), or null. */
export function exposureWarning(host: string): string | null {
  if (isLoopbackHost(host)) return null;
  return `--host ${host}: the dashboard (no login) can be reached from other machines; use --host 127.0.0.1 to keep it on this one`;
}
