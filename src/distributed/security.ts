/**
 * Who may talk to the learner service: it listens on loopback unless told otherwise, any other
 * address needs a shared token, and TLS is a pair of files away (gRPC's own credentials).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';

/** The environment variable read when no --token is given. */
export const TOKEN_VARIABLE = 'A3C_TOKEN';

export interface Address { host: string; port: number }

/** A bad flag value: the CLI turns it into one line and exit status 2. */
export class AddressError extends Error {}

/** `HOST:PORT` (IPv6 in brackets, `[::1]:7000`) as host and port; `flag` names it in the error. */
export function parseAddress(text: string, flag: string): Address {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) throw new AddressError(`${flag}: expected HOST:PORT such as 127.0.0.1:7000 or [::1]:7000 (got ${JSON.stringify(text)})`);
  return { host: match[1], port };
}

export function formatAddress({ host, port }: Address): string {
  return `${host}:${port}`;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/** The token of this invocation: `--token`, else $A3C_TOKEN, else none (''). */
export function tokenFrom(flag: string | undefined, environment: NodeJS.ProcessEnv = process.env): string {
  return flag ?? environment[TOKEN_VARIABLE] ?? '';
}

/** Refuses to listen beyond this machine without a token. */
export function checkListen(address: Address, token: string): void {
  if (!isLoopback(address.host) && token === '') {
    throw new AddressError(`--listen ${formatAddress(address)} reaches other machines: give a shared secret with --token or $${TOKEN_VARIABLE} (and consider --tls-cert/--tls-key), or listen on 127.0.0.1`);
  }
}

/** Constant-time comparison of the expected token and the one a node sent. */
export function tokenMatches(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

function readPem(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new AddressError(`${flag}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** Plain TCP, or TLS with the given certificate and key (both or neither). */
export function serverCredentials(tls: { cert?: string; key?: string }): grpc.ServerCredentials {
  if (!tls.cert && !tls.key) return grpc.ServerCredentials.createInsecure();
  if (!tls.cert || !tls.key) throw new AddressError(`${tls.cert ? '--tls-key' : '--tls-cert'}: TLS needs both --tls-cert and --tls-key (PEM files)`);
  return grpc.ServerCredentials.createSsl(null, [{ cert_chain: readPem(tls.cert, '--tls-cert'), private_key: readPem(tls.key, '--tls-key') }], false);
}

/** Plain TCP, or TLS (`tls`: trusting the system's authorities, or `ca`, a PEM file, when given). */
export function channelCredentials(tls: { enabled: boolean; ca?: string }): grpc.ChannelCredentials {
  if (!tls.enabled && !tls.ca) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(tls.ca ? readPem(tls.ca, '--tls-ca') : null);
}
