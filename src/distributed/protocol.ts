/**
 * The wire between the learner service and its actor nodes: the messages of proto/a3c.proto
 * as TypeScript types, the gRPC service definition loaded from that file, and what both sides
 * must agree on (protocol number, package version, message size limits).
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** Bumped whenever a message changes meaning. */
export const PROTOCOL = 1;

const ROOT = new URL('../../../', import.meta.url); // dist/src/distributed -> the package root
export const PROTO_FILE = fileURLToPath(new URL('proto/a3c.proto', ROOT));

/** The a3c package version: nodes and service must run the same networks and environments. */
export const PACKAGE_VERSION: string = (JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { version: string }).version;

export const Precision = { FLOAT32: 0, FLOAT16: 1 } as const;
export type Precision = (typeof Precision)[keyof typeof Precision];

export interface Tensor { precision: Precision; length: number; data: Buffer }

export interface Hello {
  protocol: number; version: string; token: string; env: string; run_hash: string;
  precision: Precision; workers: number; name: string;
}
export interface Counters { global_steps: number; episodes: number; updates: number; skipped_updates: number; optimizer_step: number }
export interface Welcome {
  version: string; config_json: string; run_hash: string; net_hash: string; param_count: number;
  weights: Tensor; moment1: Tensor; moment2: Tensor; counters: Counters; first_worker: number;
}
export interface WireEpisode {
  worker: number; steps_into_exchange: number; return: number; length: number; mean_max_prob: number;
  policy_gradient_loss: number; value_loss: number; entropy: number;
}
export interface Exchange {
  sequence: number; delta: Tensor; steps: number; updates: number; skipped_updates: number;
  episodes: WireEpisode[]; moment1?: Tensor | null; moment2?: Tensor | null; leaving: boolean;
}
export interface Weights { sequence: number; weights: Tensor; global_steps: number; stop: boolean; stop_reason: string; send_moments: boolean }
export interface Refusal { reason: string }

export type NodeMessage =
  | { kind: 'hello'; hello: Hello }
  | { kind: 'exchange'; exchange: Exchange }
  | { kind: 'refusal'; refusal: Refusal };
export type ServiceMessage =
  | { kind: 'welcome'; welcome: Welcome }
  | { kind: 'weights'; weights: Weights }
  | { kind: 'refusal'; refusal: Refusal };

/** The reference network's weights are 10.8 MB and a welcome carries three such tensors. */
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  // A service that vanished without closing the connection (a cable pulled) is noticed within half a minute.
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 20_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.max_pings_without_data': 0,
};
export const SERVER_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 5_000,
};

export interface LearnerDefinition {
  service: grpc.ServiceDefinition;
  Client: grpc.ServiceClientConstructor;
}

let definition: LearnerDefinition | null = null;

/** The Learner service of proto/a3c.proto (loaded once). */
export function learnerDefinition(): LearnerDefinition {
  if (definition) return definition;
  const packageDefinition = protoLoader.loadSync(PROTO_FILE, { keepCase: true, longs: Number, enums: Number, defaults: true, oneofs: true });
  const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as { a3c: { distributed: { Learner: grpc.ServiceClientConstructor } } };
  const Client = loaded.a3c.distributed.Learner;
  definition = { service: Client.service, Client };
  return definition;
}

/** host:pid, how a node names itself in the service's log. */
export function processName(): string {
  return `${hostname()}:${process.pid}`;
}
