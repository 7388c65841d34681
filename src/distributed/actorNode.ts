/**
 * An actor node (`a3c node`): N actor-learner threads on this machine training a replica of the
 * service's network, and one session with the service that, every few updates, sends the
 * replica's accumulated change (and the steps and episodes behind it) and takes the fresh
 * global weights back. When the service goes away the node reconnects with backoff; whatever
 * was not acknowledged is dropped, never sent twice.
 */
import * as grpc from '@grpc/grpc-js';
import { availableParallelism } from 'node:os';
import { trainConfigSchema, type TrainConfig } from '../config.js';
import { buildActorCritic } from '../agents/networks.js';
import { getPreset, networkSpec } from '../presets.js';
import type { WorkerFault } from '../train/workerPool.js';
import { Backoff } from './backoff.js';
import { decodeTensor, encodeTensor } from './codec.js';
import { CHANNEL_OPTIONS, PACKAGE_VERSION, PROTOCOL, Precision, learnerDefinition, processName, type NodeMessage, type ServiceMessage, type Welcome } from './protocol.js';
import { Replica } from './replica.js';
import { netHash } from './runIdentity.js';
import { channelCredentials, formatAddress, type Address } from './security.js';

export interface NodeOptions {
  address: Address;
  token: string;
  tls?: { enabled: boolean; ca?: string };
  /** Actor-learner threads (default: the machine's cores). */
  workers?: number;
  /** How weights and changes travel (default float32). */
  precision?: Precision;
  /** Exchange after this many updates of the node's workers together... */
  syncEvery?: number;
  /** ...or after this many milliseconds, whichever comes first. */
  syncMaxMs?: number;
  /** Refuse a service that trains another environment. */
  env?: string;
  /** Where this machine keeps the Atari ROM (the service's path may not exist here). */
  rom?: string;
  /** Give up after this long without a session (seconds). */
  retryForSeconds?: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
  onWorkerFault?: (fault: WorkerFault) => void;
}

/** The service or this node declined the session: the node exits with `exitCode` (2: a flag of the node is wrong). */
export class NodeRefused extends Error {
  constructor(message: string, readonly exitCode: 1 | 2) { super(message); }
}

export interface NodeSummary {
  exchanges: number;
  bytesSent: number;
  bytesReceived: number;
  sessions: number;
  /** Why the node ended: the service finished the run, or this node was stopped. */
  ending: 'run-finished' | 'interrupted';
  stopReason: string;
}

export const DEFAULT_SYNC_EVERY = 20;
export const DEFAULT_SYNC_MAX_MS = 2000;
export const DEFAULT_RETRY_FOR_SECONDS = 300;
/** A service that does not answer an exchange in this long is treated as gone. */
const REPLY_TIMEOUT_MS = 120_000;
const POLL_MS = 2;
/** A node stopped by Ctrl-C waits this long for the answer to its last exchange. */
const LEAVING_REPLY_TIMEOUT_MS = 10_000;

/** Runs the node until the service ends the run, the signal aborts, or no service answers for retryForSeconds. */
export async function runNode(o: NodeOptions): Promise<NodeSummary> {
  const log = (line: string): void => o.log?.(`a3c: ${line}`);
  const summary: NodeSummary = { exchanges: 0, bytesSent: 0, bytesReceived: 0, sessions: 0, ending: 'interrupted', stopReason: '' };
  const backoff = new Backoff();
  const state: NodeState = { replica: null, runHash: '', failure: null };
  let lastSession = performance.now();
  let hinted = false;
  const target = formatAddress(o.address);
  try {
    while (!o.signal?.aborted) {
      try {
        const ended = await session(o, state, summary, log);
        if (ended) break;
        lastSession = performance.now();
      } catch (error) {
        if (error instanceof NodeRefused) throw error;
        if (state.failure) throw state.failure;
        if (o.signal?.aborted) break;
        if (summary.sessions > 0 && (error as SessionLost).afterWelcome) lastSession = performance.now();
        const retryFor = (o.retryForSeconds ?? DEFAULT_RETRY_FOR_SECONDS) * 1000;
        if (performance.now() - lastSession > retryFor) throw new Error(`no learner service at ${target} for ${(retryFor / 1000).toFixed(0)} s (${(error as Error).message}): giving up`);
        const delay = backoff.next();
        // gRPC's message names neither cause of a refused TLS handshake: say it once.
        const hint: string = summary.sessions === 0 && !o.tls?.enabled && !o.tls?.ca && !hinted ? ' (if the service uses TLS, add --tls or --tls-ca)' : '';
        hinted ||= hint !== '';
        log(`no session with ${target} (${(error as Error).message.replace(/\s*Resolution note:\s*$/, '')})${hint}; trying again in ${(delay / 1000).toFixed(1)} s`);
        await sleep(delay, o.signal);
        continue;
      }
      backoff.reset();
    }
  } finally {
    if (state.replica) {
      state.replica.stop();
      await state.replica.exited;
    }
  }
  if (state.failure) throw state.failure;
  return summary;
}

interface NodeState {
  replica: Replica | null;
  /** The run this node is part of ('' before its first welcome). */
  runHash: string;
  /** The workers keep crashing. */
  failure: Error | null;
}

/** A session ended by the connection, not by a refusal. */
class SessionLost extends Error {
  constructor(message: string, readonly afterWelcome: boolean) { super(message); }
}

/**
 * One session: hello, welcome, then exchanges until the service says stop (true), this node
 * is stopped (true, after a last exchange), or the connection is lost (throws SessionLost).
 */
async function session(o: NodeOptions, state: NodeState, summary: NodeSummary, log: (line: string) => void): Promise<boolean> {
  const { Client } = learnerDefinition();
  const client = new Client(formatAddress(o.address), channelCredentials(o.tls ?? { enabled: false }), CHANNEL_OPTIONS);
  const call = (client as unknown as { Session: () => grpc.ClientDuplexStream<NodeMessage, ServiceMessage> }).Session();
  const reader = new MessageReader(call);
  const precision = o.precision ?? Precision.FLOAT32;
  const workers = o.workers ?? availableParallelism();
  let welcomed = false;
  try {
    call.write({ kind: 'hello', hello: { protocol: PROTOCOL, version: PACKAGE_VERSION, token: o.token, env: o.env ?? '', run_hash: state.runHash, precision, workers, name: processName() } });
    const first = await reader.next(REPLY_TIMEOUT_MS, o.signal);
    if (first.kind === 'refusal') throw new NodeRefused(`the service refused this node: ${first.refusal.reason}`, exitCodeFor(first.refusal.reason));
    if (first.kind !== 'welcome') throw new NodeRefused(`the service answered the hello with ${first.kind}: it speaks another protocol`, 1);
    const welcome = first.welcome;
    let config: TrainConfig;
    try {
      config = joinConfig(welcome, o, workers);
    } catch (error) {
      call.write({ kind: 'refusal', refusal: { reason: (error as NodeRefused).message } });
      call.end();
      throw error;
    }
    const n = welcome.param_count;
    const weights = decodeTensor(welcome.weights, n);
    summary.bytesReceived += welcome.weights.data.length + welcome.moment1.data.length + welcome.moment2.data.length;
    if (state.replica === null) {
      state.replica = new Replica({
        config, spec: networkSpec(config, getPreset(config.env).makeEnv(config.seed, config, 'train').actionSpace.n), weights,
        moment1: decodeTensor(welcome.moment1, n), moment2: decodeTensor(welcome.moment2, n), optimizerStep: welcome.counters.optimizer_step, globalSteps: welcome.counters.global_steps,
        onWorkerFault: o.onWorkerFault, onGiveUp: (error) => { state.failure = error; call.cancel(); },
      });
    } else {
      await state.replica.reset(weights, welcome.counters.global_steps);
    }
    state.runHash = welcome.run_hash;
    welcomed = true;
    summary.sessions++;
    log(`${summary.sessions > 1 ? 'rejoined' : 'joined'} the run at ${formatAddress(o.address)}: ${config.env} (net ${config.net}) with ${workers} worker${workers === 1 ? '' : 's'}, from step ${welcome.counters.global_steps}`);

    const replica = state.replica;
    const syncEvery = o.syncEvery ?? DEFAULT_SYNC_EVERY;
    const syncMaxMs = o.syncMaxMs ?? DEFAULT_SYNC_MAX_MS;
    let sendMoments = false;
    for (let sequence = 1; ; sequence++) {
      const since = performance.now();
      while (!o.signal?.aborted && replica.updatesSinceSnapshot < syncEvery && performance.now() - since < syncMaxMs && !reader.failed) await sleep(POLL_MS);
      if (reader.failed) await reader.next(0); // throws the loss
      const leaving = o.signal?.aborted === true;
      const c = await replica.contribution();
      const moments = sendMoments ? await replica.moments() : null;
      const delta = encodeTensor(c.delta, precision);
      const m1 = moments ? encodeTensor(moments.moment1, Precision.FLOAT32) : null;
      const m2 = moments ? encodeTensor(moments.moment2, Precision.FLOAT32) : null;
      call.write({
        kind: 'exchange', exchange: {
          sequence, delta, steps: c.steps, updates: c.updates, skipped_updates: c.skippedUpdates, leaving, moment1: m1, moment2: m2,
          episodes: c.episodes.map(({ record, stepsInto }) => ({
            worker: record.worker, steps_into_exchange: stepsInto, return: record.return, length: record.length, mean_max_prob: record.meanMaxProb,
            policy_gradient_loss: record.policyGradientLoss, value_loss: record.valueLoss, entropy: record.entropy,
          })),
        },
      });
      summary.bytesSent += delta.data.length + (m1?.data.length ?? 0) + (m2?.data.length ?? 0);
      // While the answer travels the workers go on, up to another sync-every updates; then they wait for it.
      const answer = reader.next(leaving ? LEAVING_REPLY_TIMEOUT_MS : REPLY_TIMEOUT_MS);
      let answered = false;
      void answer.then(() => { answered = true; }, () => { answered = true; });
      while (!answered && replica.updatesSinceSnapshot < syncEvery) await sleep(POLL_MS);
      if (!answered) await replica.holdWorkers();
      let reply: ServiceMessage;
      try {
        reply = await answer;
      } catch (error) {
        replica.release();
        throw error;
      }
      if (reply.kind !== 'weights') replica.release();
      if (reply.kind === 'refusal') throw new NodeRefused(`the service ended this node's session: ${reply.refusal.reason}`, 1);
      if (reply.kind !== 'weights') throw new NodeRefused(`the service answered an exchange with ${reply.kind}: it speaks another protocol`, 1);
      await replica.merge(decodeTensor(reply.weights.weights, n), reply.weights.global_steps);
      summary.bytesReceived += reply.weights.weights.data.length;
      summary.exchanges++;
      sendMoments = reply.weights.send_moments;
      if (reply.weights.stop) {
        log(`the service ended the run (${reply.weights.stop_reason}) at step ${reply.weights.global_steps}`);
        summary.ending = 'run-finished';
        summary.stopReason = reply.weights.stop_reason;
        return true;
      }
      if (leaving) return true;
    }
  } catch (error) {
    if (error instanceof NodeRefused || state.failure) throw error;
    throw new SessionLost((error as Error).message, welcomed);
  } finally {
    call.end();
    client.close();
  }
}

/** The service's config as this node runs it: its own workers, no budgets (the service ends the run), this machine's ROM. */
function joinConfig(welcome: Welcome, o: NodeOptions, workers: number): TrainConfig {
  let config: TrainConfig;
  try {
    config = trainConfigSchema.parse({
      // The service ends the run; --max-steps stays as the horizon of a learning-rate schedule
      // (the replica's workers stop at it only once the whole run has made those steps).
      ...JSON.parse(welcome.config_json) as object, workers, maxSeconds: null, targetReturn: null,
      evalEverySeconds: null, ...(o.rom !== undefined ? { rom: o.rom } : {}),
    });
  } catch (error) {
    throw new NodeRefused(`this node cannot read the service's run config: ${(error as Error).message.split('\n')[0]} (service a3c ${welcome.version}, node ${PACKAGE_VERSION})`, 1);
  }
  if (o.env !== undefined && getPreset(o.env).id !== config.env) throw new NodeRefused(`the service trains ${config.env}, this node was started for ${o.env}: drop --env or connect to a ${o.env} service`, 2);
  let actions: number;
  try {
    const env = getPreset(config.env).makeEnv(config.seed, config, 'train');
    actions = env.actionSpace.n;
    env.close();
  } catch (error) {
    throw new NodeRefused(`this node cannot build ${config.env}: ${(error as Error).message.split('\n')[0]}${config.rom !== null ? ' (give this machine\'s ROM with --rom)' : ''}`, 2);
  }
  const layout = buildActorCritic(networkSpec(config, actions), 1, undefined, 'js').tensors();
  const mine = netHash(layout);
  if (mine !== welcome.net_hash) throw new NodeRefused(`this node builds another network for ${config.env} (net ${config.net}: layout ${mine}, the service's ${welcome.net_hash}): run the same a3c version on both (service ${welcome.version}, node ${PACKAGE_VERSION})`, 1);
  return config;
}

/** Refusals about the node's own flags (token, environment) exit 2, the others 1. */
function exitCodeFor(reason: string): 1 | 2 {
  return /^wrong token|^the node was started for/.test(reason) ? 2 : 1;
}

/** The service's messages, one at a time; the stream's end or error becomes a rejected next(). */
class MessageReader {
  private readonly queue: ServiceMessage[] = [];
  private waiting: { resolve: (m: ServiceMessage) => void; reject: (e: Error) => void } | null = null;
  private error: Error | null = null;

  constructor(call: grpc.ClientDuplexStream<NodeMessage, ServiceMessage>) {
    call.on('data', (message: ServiceMessage) => {
      if (this.waiting) { const w = this.waiting; this.waiting = null; w.resolve(message); } else this.queue.push(message);
    });
    const fail = (error: Error): void => {
      this.error ??= error;
      if (this.waiting) { const w = this.waiting; this.waiting = null; w.reject(this.error); }
    };
    call.on('error', (error: grpc.ServiceError) => fail(new Error(error.details || error.message)));
    call.on('end', () => fail(new Error('the service closed the session')));
  }

  get failed(): boolean { return this.error !== null && this.queue.length === 0; }

  next(timeoutMs: number, signal?: AbortSignal): Promise<ServiceMessage> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.waiting = null; reject(new Error(`the service did not answer within ${timeoutMs / 1000} s`)); }, timeoutMs);
      const onAbort = (): void => { clearTimeout(timer); this.waiting = null; reject(new Error('stopped')); };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting = {
        resolve: (m) => { clearTimeout(timer); signal?.removeEventListener('abort', onAbort); resolve(m); },
        reject: (e) => { clearTimeout(timer); signal?.removeEventListener('abort', onAbort); reject(e); },
      };
    });
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void { signal?.removeEventListener('abort', done); clearTimeout(timer); resolve(); }
    signal?.addEventListener('abort', done, { once: true });
  });
}
