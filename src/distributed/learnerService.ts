/**
 * The learner service (`a3c serve`): the run's one global network, optimizer moments, counters,
 * checkpoints, metrics and evaluator, as `a3c train` has them, with actor nodes in place of
 * worker threads. Each node keeps a replica that its own actor-learners update as today and,
 * every few updates, sends the accumulated change; the service adds it to the global weights
 * (so every actor-learner's gradient still reaches the global network, asynchronously) and
 * answers with the fresh global weights. Built from the coordinator's parts: RunDirectory,
 * GlobalStore (no workers: the exchanges are applied on this thread, one at a time), RunMonitor,
 * Checkpointer, RunMetrics and the EvaluatorThread.
 */
import * as grpc from '@grpc/grpc-js';
import type { TrainConfig } from '../config.js';
import { parameterCount } from '../agents/networks.js';
import { JsonlSink, TensorBoardSink } from '../metrics/sinks.js';
import type { ParamTensor } from '../nn/sequential.js';
import { agentFactory, getPreset, networkSpec } from '../presets.js';
import type { EpisodeRecord, LoopTimings } from '../train/actorLearner.js';
import { Checkpointer } from '../train/checkpointer.js';
import type { TrainHooks, TrainSummary } from '../train/coordinator.js';
import { learningRateAt } from '../train/learningRate.js';
import { finishRun, finiteCheckTask, RunEvaluator, SCALARS_EVERY_MS, startRunTicker, type PeriodicTask } from '../train/runTicker.js';
import { allFinite, Counter, GlobalStore } from '../train/globalStore.js';
import { withGlobalRun } from '../train/globalRun.js';
import type { RunDirectory } from '../train/runDirectory.js';
import { RunMetrics } from '../train/runMetrics.js';
import { RunMonitor } from '../train/runMonitor.js';
import { decodeTensor, encodeTensor } from './codec.js';
import { PACKAGE_VERSION, PROTOCOL, Precision, SERVER_OPTIONS, learnerDefinition, type Exchange, type Hello, type NodeMessage, type ServiceMessage } from './protocol.js';
import { runHash, netHash } from './runIdentity.js';
import { formatAddress, serverCredentials, tokenMatches, type Address } from './security.js';

export interface ServeOptions {
  address: Address;
  /** Required of every node ('' : none, allowed on loopback only; the CLI checks). */
  token: string;
  tls?: { cert?: string; key?: string };
  /** The address actually bound (port 0 picks a free one). */
  onListening?: (address: string) => void;
  /** Nodes joining, leaving and refused: one line each. */
  log?: (line: string) => void;
  /** After the stop, how long nodes get to collect it with their next exchange. */
  stopGraceMs?: number;
}

/** What the service measured of its exchanges (for `a3c serve`'s last lines and the figures). */
export interface ServiceStats {
  exchanges: number;
  bytesIn: number;
  bytesOut: number;
  /** Milliseconds this thread spent decoding, applying and encoding exchanges. */
  handlingMs: number;
  nodesSeen: number;
}

export interface ServeSummary extends TrainSummary { service: ServiceStats }

/** A node is asked for its optimizer moments this often, so checkpoints hold recent ones. */
const MOMENTS_EVERY_MS = 10_000;
const STOP_GRACE_MS = 5000;

/** Runs the learner service for one run until its budget, target or abort; same contract as train(). */
export async function serve(config: TrainConfig, runDir: string, hooks: TrainHooks, options: ServeOptions): Promise<ServeSummary> {
  const preset = getPreset(config.env);
  const probeEnv = preset.makeEnv(config.seed, config, 'train');
  const spec = networkSpec(config, probeEnv.actionSpace.n);
  probeEnv.close();
  // No worker threads here, so no arenas or gradient slots: weights, moments and counters only.
  const store = GlobalStore.create(parameterCount(spec), 0, false);
  return withGlobalRun(config, runDir, hooks, store, spec, (dir, layout) => runService(config, dir, store, layout, hooks, options));
}

async function runService(config: TrainConfig, dir: RunDirectory, store: GlobalStore, layout: ParamTensor[], hooks: TrainHooks, options: ServeOptions): Promise<ServeSummary> {
  const metrics = new RunMetrics([new JsonlSink(dir.path), new TensorBoardSink(dir.path), ...(hooks.sinks ?? [])], hooks.onWarning);
  const sessions = new LearnerSessions(config, store, layout, options, {
    episode: (record) => {
      const now = performance.now();
      const progress = monitor.episode(record, now);
      metrics.episode(record, monitor.wallTime(now), progress.meanReturn100);
      hooks.onEpisode?.(record, progress);
    },
    afterExchange: () => monitor.checkBudgets(performance.now()),
  });
  const monitor: RunMonitor = new RunMonitor(store.counters, config, hooks.resumeFrom?.state, (reason) => sessions.stop(reason));
  const checkpointer = new Checkpointer({ store, dir, layout, config, monitor, flushMetrics: () => metrics.flush(), onCheckpoint: hooks.onCheckpoint, onWarning: hooks.onWarning });

  const server = new grpc.Server(SERVER_OPTIONS);
  server.addService(learnerDefinition().service, { Session: (call: grpc.ServerDuplexStream<NodeMessage, ServiceMessage>) => sessions.open(call) });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(formatAddress(options.address), serverCredentials(options.tls ?? {}), (error, bound) => error ? reject(new Error(`cannot listen on ${formatAddress(options.address)}: ${error.message}`)) : resolve(bound));
  });
  options.onListening?.(formatAddress({ host: options.address.host, port }));

  // The evaluator, the numeric guard and the clock are the coordinator's (train/runTicker.ts).
  const evaluation = new RunEvaluator({ config, agentsModule: agentFactory.moduleUrl, runDir: dir.path, resume: hooks.resumeFrom !== undefined, metrics, monitor, onWarning: hooks.onWarning });
  let lastExchanges = 0, lastBytes = 0, lastScalarsAt = performance.now();
  const tasks: PeriodicTask[] = [
    { everyMs: SCALARS_EVERY_MS, run: (now) => {
      const { step, wallTime, values } = monitor.scalars(now, learningRateAt(config, store.counters[Counter.globalSteps]));
      const s = sessions.stats, dt = (now - lastScalarsAt) / 1000;
      values['distributed/nodes'] = sessions.connected;
      values['distributed/exchanges_per_second'] = (s.exchanges - lastExchanges) / dt;
      values['distributed/megabytes_per_second'] = (s.bytesIn + s.bytesOut - lastBytes) / dt / 1e6;
      lastExchanges = s.exchanges; lastBytes = s.bytesIn + s.bytesOut; lastScalarsAt = now;
      metrics.scalars(step, wallTime, values);
    } },
    { everyMs: 0, run: () => metrics.flush() },
    finiteCheckTask(store.params, monitor),
    { everyMs: 0, run: (now) => checkpointer.maybeWrite(now) },
    // No update runs concurrently on this thread, so a plain copy is a whole one.
    ...evaluation.tasks((evaluator) => evaluator.submit(Float32Array.from(store.params), store.counters[Counter.globalSteps])),
  ];
  const stopTicker = startRunTicker(tasks, monitor, hooks);

  try {
    await sessions.drained(options.stopGraceMs ?? STOP_GRACE_MS);
  } finally {
    stopTicker();
    sessions.closeAll();
    // The answers just written (the stop) reach their nodes before the connections close.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { server.forceShutdown(); resolve(); }, 2000);
      server.tryShutdown(() => { clearTimeout(timer); resolve(); });
    });
  }
  const final = await finishRun({ evaluation, monitor, checkpointer, metrics });
  const timings: LoopTimings = { envMs: 0, forwardMs: 0, updateMs: 0, lockWaitMs: 0, lockHoldMs: 0, steps: 0, updates: 0 }; // measured on the nodes
  return {
    ...final, runDir: dir.path, weightsPath: dir.weightsPath, checkpointPath: checkpointer.lastPath, stopReason: monitor.stopReason,
    solved: monitor.solved, best: evaluation.best, timings, service: sessions.stats,
  };
}

interface SessionEvents {
  /** An episode of a node, numbered and placed on the global step axis. */
  episode: (record: EpisodeRecord) => void;
  afterExchange: () => void;
}

interface Session {
  call: grpc.ServerDuplexStream<NodeMessage, ServiceMessage>;
  name: string;
  precision: Precision;
  firstWorker: number;
  welcomed: boolean;
}

/**
 * The nodes' sessions. Every exchange is handled whole on this thread (decode, check, add to
 * the global weights, count, number the episodes, answer), so exchanges never interleave and a
 * checkpoint's copy holds whole exchanges only. A node that stops sending holds nothing: no
 * lock, no turn, nothing the others wait for.
 */
class LearnerSessions {
  readonly stats: ServiceStats = { exchanges: 0, bytesIn: 0, bytesOut: 0, handlingMs: 0, nodesSeen: 0 };
  private readonly open_ = new Set<Session>();
  private nextWorker = 0;
  private stopReason: string | null = null;
  private onDrained: (() => void) | null = null;
  private lastMomentsAsked = performance.now();
  private readonly delta: Float32Array;
  private readonly runHash: string;
  private readonly netHash: string;

  constructor(private readonly config: TrainConfig, private readonly store: GlobalStore, layout: ParamTensor[], private readonly options: ServeOptions, private readonly events: SessionEvents) {
    this.delta = new Float32Array(store.params.length);
    this.runHash = runHash(config);
    this.netHash = netHash(layout);
  }

  get connected(): number {
    let n = 0;
    for (const s of this.open_) if (s.welcomed) n++;
    return n;
  }

  open(call: grpc.ServerDuplexStream<NodeMessage, ServiceMessage>): void {
    const session: Session = { call, name: call.getPeer(), precision: Precision.FLOAT32, firstWorker: 0, welcomed: false };
    this.open_.add(session);
    const close = (why: string | null): void => {
      if (!this.open_.delete(session)) return;
      if (session.welcomed && why !== null) this.log(`node ${session.name} left: ${why}`);
      this.checkDrained();
    };
    call.on('data', (message: NodeMessage) => {
      try {
        this.handle(session, message);
      } catch (error) {
        this.refuse(session, (error as Error).message);
      }
    });
    call.on('end', () => { close(this.stopReason === null ? 'its stream ended' : null); call.end(); });
    call.on('error', (error: Error) => close(`${error.message} (its unsent work is lost, nothing else)`));
    call.on('close', () => close('the connection closed (its unsent work is lost, nothing else)'));
  }

  /** The run is stopping: each node learns it from the answer to its next exchange. */
  stop(reason: string): void {
    this.stopReason ??= reason;
    this.checkDrained();
  }

  /** Resolves once the run is stopping and every node has collected the stop (or `graceMs` after the stop). */
  drained(graceMs: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      this.onDrained = () => {
        if (this.stopReason === null) return;
        if (this.open_.size === 0) { if (timer) clearTimeout(timer); resolve(); return; }
        timer ??= setTimeout(resolve, graceMs);
      };
      this.checkDrained();
    });
  }

  closeAll(): void {
    for (const session of this.open_) session.call.end();
    this.open_.clear();
  }

  private checkDrained(): void { this.onDrained?.(); }

  private log(line: string): void { this.options.log?.(`a3c: ${line}`); }

  private send(session: Session, message: ServiceMessage, bytes: number): void {
    this.stats.bytesOut += bytes;
    session.call.write(message);
  }

  /** One line on both sides: the node prints the reason and exits non-zero. */
  private refuse(session: Session, reason: string): void {
    this.log(`refused node ${session.name}: ${reason}`);
    try {
      session.call.write({ kind: 'refusal', refusal: { reason } });
      session.call.end();
    } catch { /* the stream is gone already */ }
    this.open_.delete(session);
    this.checkDrained();
  }

  private handle(session: Session, message: NodeMessage): void {
    if (message.kind === 'hello') return this.hello(session, message.hello);
    if (message.kind === 'refusal') {
      this.log(`node ${session.name} declined the run: ${message.refusal.reason}`);
      this.open_.delete(session);
      session.call.end();
      this.checkDrained();
      return;
    }
    if (!session.welcomed) throw new Error('an exchange before the hello: the node speaks another protocol');
    this.exchange(session, message.exchange);
  }

  private hello(session: Session, hello: Hello): void {
    if (session.welcomed) throw new Error('a second hello on one session');
    session.name = hello.name || session.name;
    const refusal = this.refusalFor(hello);
    if (refusal) return this.refuse(session, refusal);
    session.precision = hello.precision === Precision.FLOAT16 ? Precision.FLOAT16 : Precision.FLOAT32;
    session.firstWorker = this.nextWorker;
    this.nextWorker += Math.max(1, hello.workers);
    session.welcomed = true;
    this.stats.nodesSeen++;
    const c = this.store.counters;
    const weights = encodeTensor(this.store.params, session.precision);
    const moment1 = encodeTensor(this.store.moment1, Precision.FLOAT32);
    const moment2 = encodeTensor(this.store.moment2, Precision.FLOAT32);
    this.send(session, {
      kind: 'welcome', welcome: {
        version: PACKAGE_VERSION, config_json: JSON.stringify(this.config), run_hash: this.runHash, net_hash: this.netHash,
        param_count: this.store.params.length, weights, moment1, moment2, first_worker: session.firstWorker,
        counters: { global_steps: c[Counter.globalSteps], episodes: c[Counter.episodes], updates: c[Counter.updates], skipped_updates: c[Counter.skippedUpdates], optimizer_step: c[Counter.optimizerStep] },
      },
    }, weights.data.length + moment1.data.length + moment2.data.length);
    this.log(`node ${session.name} joined with ${hello.workers} worker${hello.workers === 1 ? '' : 's'} (workers ${session.firstWorker}-${session.firstWorker + Math.max(1, hello.workers) - 1}, ${session.precision === Precision.FLOAT16 ? 'float16' : 'float32'} weights)`);
  }

  private refusalFor(hello: Hello): string | null {
    if (this.stopReason !== null) return `the run is stopping (${this.stopReason})`;
    if (hello.protocol !== PROTOCOL) return `the node speaks protocol ${hello.protocol}, this service ${PROTOCOL}: run the same a3c version on both (service ${PACKAGE_VERSION}, node ${hello.version || 'unknown'})`;
    if (hello.version !== PACKAGE_VERSION) return `the node runs a3c ${hello.version || 'unknown'}, this service ${PACKAGE_VERSION}: run the same version on both`;
    if (!tokenMatches(this.options.token, hello.token)) return 'wrong token: give the service\'s --token (or $A3C_TOKEN) to the node';
    if (hello.env !== '' && getPreset(hello.env).id !== this.config.env) return `the node was started for ${hello.env}, this service trains ${this.config.env}: drop --env or connect it to a ${hello.env} service`;
    if (hello.run_hash !== '' && hello.run_hash !== this.runHash) return `the node was part of another run (${hello.run_hash}, this one is ${this.runHash}): restart the node to join this run`;
    return null;
  }

  private exchange(session: Session, exchange: Exchange): void {
    const t0 = performance.now();
    const { store, delta } = this;
    const c = store.counters;
    this.stats.bytesIn += exchange.delta.data.length + (exchange.moment1?.data.length ?? 0) + (exchange.moment2?.data.length ?? 0);
    // Everything is checked before anything is applied: an exchange counts whole or not at all.
    for (const [name, value] of [['steps', exchange.steps], ['updates', exchange.updates], ['skipped updates', exchange.skipped_updates]] as const) {
      if (!Number.isSafeInteger(value) || value < 0) throw new Error(`an exchange with ${value} ${name}: the node is broken or speaks another protocol`);
    }
    decodeTensor(exchange.delta, delta.length, delta);
    const moments = exchange.moment1 && exchange.moment2 ? [decodeTensor(exchange.moment1, delta.length), decodeTensor(exchange.moment2, delta.length)] : null;
    const steps = exchange.steps;
    const finite = allFinite(delta);
    if (finite) {
      const params = store.params;
      for (let i = 0; i < params.length; i++) params[i] += delta[i];
      if (moments && allFinite(moments[0]) && allFinite(moments[1])) {
        store.moment1.set(moments[0]);
        store.moment2.set(moments[1]);
      }
    }
    const before = c[Counter.globalSteps];
    c[Counter.globalSteps] = before + steps;
    // A non-finite change is dropped whole: its updates count as skipped, as a skipped update does in train.
    c[Counter.updates] += finite ? exchange.updates : 0;
    c[Counter.skippedUpdates] += exchange.skipped_updates + (finite ? 0 : exchange.updates);
    if (finite) c[Counter.optimizerStep] += exchange.updates;
    for (const e of exchange.episodes) {
      const episode = ++c[Counter.episodes];
      c[Counter.scoreAverage] = episode === 1 ? e.return : 0.9 * c[Counter.scoreAverage] + 0.1 * e.return;
      c[Counter.scoreMax] = episode === 1 ? e.return : Math.max(c[Counter.scoreMax], e.return);
      this.events.episode({
        worker: session.firstWorker + e.worker, episode, step: before + Math.min(steps, Math.max(0, e.steps_into_exchange)),
        return: e.return, length: e.length, meanMaxProb: e.mean_max_prob, policyGradientLoss: e.policy_gradient_loss,
        valueLoss: e.value_loss, entropy: e.entropy, scoreAverage: c[Counter.scoreAverage], scoreMax: c[Counter.scoreMax],
      });
    }
    this.stats.exchanges++;
    this.events.afterExchange();
    const now = performance.now();
    const sendMoments = this.stopReason === null && now - this.lastMomentsAsked >= MOMENTS_EVERY_MS;
    if (sendMoments) this.lastMomentsAsked = now;
    const weights = encodeTensor(store.params, session.precision);
    this.send(session, {
      kind: 'weights', weights: {
        sequence: exchange.sequence, weights, global_steps: c[Counter.globalSteps], stop: this.stopReason !== null,
        stop_reason: this.stopReason ?? '', send_moments: sendMoments,
      },
    }, weights.data.length);
    this.stats.handlingMs += performance.now() - t0;
    if (this.stopReason !== null || exchange.leaving) {
      if (exchange.leaving) this.log(`node ${session.name} left after its last exchange`);
      this.open_.delete(session);
      session.call.end();
      this.checkDrained();
    }
  }
}
