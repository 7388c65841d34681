import type { TrainConfig } from '../config.js';
import { saveSafetensors } from '../io/safetensors.js';
import type { ParamTensor } from '../nn/sequential.js';
import { listCheckpoints, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { allFinite, Counter, type GlobalStore } from './globalStore.js';
import { describeError, WEIGHTS_FILE, type RunDirectory } from './runDirectory.js';
import type { RunMonitor } from './runMonitor.js';
import { shellQuote } from '../util/shellQuote.js';

export interface CheckpointerOptions {
  store: GlobalStore;
  dir: RunDirectory;
  /** The global network's tensor layout. */
  layout: ParamTensor[];
  config: TrainConfig;
  monitor: RunMonitor;
  /** Hands the metrics to the OS, so the metrics on disk reach at least as far as each checkpoint. */
  flushMetrics: () => void;
  onCheckpoint?: (path: string, milliseconds: number) => void;
  onWarning?: (message: string) => void;
}

/**
 * Writes checkpoints (periodic and final) and model.safetensors from a consistent copy of the
 * global network; keeps `config.keepCheckpoints`; never saves non-finite weights.
 */
export class Checkpointer {
  /** The checkpoint written last ('' before the first). */
  lastPath = '';
  private writing: Promise<boolean> | null = null;
  private lastStarted: number;
  private readonly snapshot: { params: Float32Array; moment1: Float32Array; moment2: Float32Array };

  constructor(private readonly o: CheckpointerOptions, now = performance.now()) {
    const n = o.store.params.length;
    this.snapshot = { params: new Float32Array(n), moment1: new Float32Array(n), moment2: new Float32Array(n) };
    this.lastStarted = now;
  }

  /** Starts a periodic checkpoint when one is due and none is being written. */
  maybeWrite(now: number): void {
    if (this.writing || now - this.lastStarted < this.o.config.checkpointEverySeconds * 1000) return;
    this.lastStarted = now;
    void this.write();
  }

  /** Waits for a checkpoint in progress, then writes the final one (resolves false if it was not written). */
  async writeFinal(): Promise<boolean> {
    if (this.writing) await this.writing;
    return this.write();
  }

  /** Writes a checkpoint and model.safetensors; resolves false (with a warning) if the disk refused. */
  write(): Promise<boolean> {
    const run = this.writeNow().finally(() => { this.writing = null; });
    this.writing = run;
    return run;
  }

  private async writeNow(): Promise<boolean> {
    const { store, dir, layout, config, monitor } = this.o;
    const t0 = performance.now();
    const snapshot = this.snapshot;
    // A consistent copy under the lock: no update is half-applied in it.
    await store.lockAsync();
    let counters: Float64Array;
    try {
      snapshot.params.set(store.params);
      snapshot.moment1.set(store.moment1);
      snapshot.moment2.set(store.moment2);
      counters = Float64Array.from(store.counters);
    } finally {
      store.unlock();
    }
    const waitUntil = performance.now() + 2000; // messages in flight take microseconds; never wait forever
    while (monitor.episodesReceived < counters[Counter.episodes] && performance.now() < waitUntil) await new Promise((resolve) => setImmediate(resolve));
    if (!allFinite(snapshot.params) || !allFinite(snapshot.moment1) || !allFinite(snapshot.moment2)) {
      monitor.failNumerically(`the global network became non-finite by step ${counters[Counter.globalSteps]}`);
      return false;
    }
    const state = monitor.checkpointState(counters, performance.now());
    this.o.flushMetrics();
    try {
      this.lastPath = writeCheckpoint(dir.path, layout, { config, state, ...snapshot }, config.keepCheckpoints);
      saveSafetensors(dir.weightsPath, layout, snapshot.params, {
        format: 'a3c-weights/1', config: JSON.stringify(config),
        counters: JSON.stringify({ globalSteps: state.globalSteps, episodes: state.episodes, updates: state.updates }),
      });
    } catch (error) {
      this.o.onWarning?.(`checkpoint at step ${state.globalSteps} not written: ${describeError(error)}; earlier checkpoints are intact${this.lastPath ? ` (newest: ${this.lastPath})` : ''}`);
      return false;
    }
    this.o.onCheckpoint?.(this.lastPath, performance.now() - t0);
    return true;
  }

  /**
   * Non-finite global weights are never written. model.safetensors is put back to the newest
   * good checkpoint's weights; returns the message that explains what happened.
   */
  restoreAfterNumericFault(fault: string): string {
    const { dir, layout } = this.o;
    const files = listCheckpoints(dir.path);
    if (files.length === 0) return `${fault}; no checkpoint had been written yet, so nothing was saved`;
    const newest = files[files.length - 1];
    try {
      const good = readCheckpoint(newest, () => layout);
      saveSafetensors(dir.weightsPath, layout, good.params, { format: 'a3c-weights/1', config: JSON.stringify(good.config), restoredFrom: newest });
    } catch (error) {
      return `${fault}; restoring ${newest} failed too: ${describeError(error)}`;
    }
    return `${fault}; nothing was saved after it: ${WEIGHTS_FILE} holds the weights of the last good checkpoint ${newest}; continue with a3c train --resume ${shellQuote(dir.path)}`;
  }
}
