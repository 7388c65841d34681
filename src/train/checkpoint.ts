import { mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { describeIssue, trainConfigSchema, type TrainConfig } from '../config.js';
import { layoutTensors, loadSafetensors, writeSafetensors, type LoadedTensors } from '../io/safetensors.js';
import type { ParamTensor } from '../nn/sequential.js';

/**
 * A checkpoint is everything a run needs to continue: global weights, optimizer moments,
 * counters, config, seeds and the recent returns behind the running averages, in one
 * safetensors file (weights under their own names, so Python's `safetensors` and `a3c eval`
 * read it like model.safetensors). Files are written atomically and named by global step.
 */

import { CHECKPOINT_DIR } from './runDirectory.js';

export { CHECKPOINT_DIR };
const FORMAT = 'a3c-checkpoint/1';
const NAME = /^ckpt-(\d{12})\.safetensors$/;

export const checkpointStateSchema = z.object({
  globalSteps: z.number().int().min(0),
  episodes: z.number().int().min(0),
  updates: z.number().int().min(0),
  skippedUpdates: z.number().int().min(0),
  optimizerStep: z.number().int().min(0),
  scoreAverage: z.number(),
  scoreMax: z.number(),
  workerRestarts: z.number().int().min(0).default(0),
  /** Training seconds of all segments so far, so the wall-clock curve continues. */
  seconds: z.number().min(0),
  /** How many times the run was started (1 for the first); worker seeds depend on it. */
  segment: z.number().int().min(1),
  /** Returns of the last (up to) 100 episodes, for the mean-of-100 and the target test. */
  recentReturns: z.array(z.number()).max(100),
});
export type CheckpointState = z.infer<typeof checkpointStateSchema>;

export interface Checkpoint {
  path: string;
  config: TrainConfig;
  state: CheckpointState;
  params: Float32Array;
  moment1: Float32Array;
  moment2: Float32Array;
}

export function checkpointPath(runDir: string, globalSteps: number): string {
  return join(runDir, CHECKPOINT_DIR, `ckpt-${String(globalSteps).padStart(12, '0')}.safetensors`);
}

/** Checkpoint files of a run, oldest first. */
export function listCheckpoints(runDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(join(runDir, CHECKPOINT_DIR));
  } catch {
    return [];
  }
  return names.filter((n) => NAME.test(n)).sort().map((n) => join(runDir, CHECKPOINT_DIR, n));
}

/** Writes one checkpoint atomically and deletes all but the newest `keep`. */
export function writeCheckpoint(runDir: string, layout: ParamTensor[], c: Omit<Checkpoint, 'path'>, keep: number): string {
  mkdirSync(join(runDir, CHECKPOINT_DIR), { recursive: true });
  const path = checkpointPath(runDir, c.state.globalSteps);
  writeSafetensors(path, [
    ...layoutTensors(layout, c.params),
    ...layoutTensors(layout, c.moment1, 'optimizer.moment1.'),
    ...layoutTensors(layout, c.moment2, 'optimizer.moment2.'),
  ], { format: FORMAT, config: JSON.stringify(c.config), state: JSON.stringify(c.state) });
  for (const old of listCheckpoints(runDir).slice(0, -keep)) {
    try { unlinkSync(old); } catch { /* already gone */ }
  }
  return path;
}

/**
 * Reads and validates a checkpoint; `layoutFor` gives the parameter layout of the network its
 * config describes. Every problem is an error naming the file.
 */
export function readCheckpoint(path: string, layoutFor: (config: TrainConfig) => ParamTensor[]): Checkpoint {
  const loaded = loadSafetensors(path, 'checkpoint');
  const fail = (why: string): never => { throw new Error(`checkpoint ${path} is unusable: ${why}`); };
  if (loaded.metadata.format !== FORMAT) fail(`format is ${JSON.stringify(loaded.metadata.format)}, expected ${FORMAT}`);
  const config = parseJson(loaded.metadata.config, trainConfigSchema, 'config', fail);
  const state = parseJson(loaded.metadata.state, checkpointStateSchema, 'state', fail);
  const layout = layoutFor(config);
  const total = layout.reduce((n, t) => n + t.length, 0);
  const gather = (prefix: string): Float32Array => {
    const out = new Float32Array(total);
    fillFrom(loaded, layout, out, prefix, fail);
    return out;
  };
  return { path, config, state, params: gather(''), moment1: gather('optimizer.moment1.'), moment2: gather('optimizer.moment2.') };
}

/**
 * The newest checkpoint of a run. A damaged newest file is an error that names it and the
 * older one to fall back to, rather than a silent step back in time.
 */
export function readLatestCheckpoint(runDir: string, layoutFor: (config: TrainConfig) => ParamTensor[]): Checkpoint {
  const files = listCheckpoints(runDir);
  if (files.length === 0) throw new Error(`no checkpoint in ${join(runDir, CHECKPOINT_DIR)}: nothing to resume`);
  try {
    return readCheckpoint(files[files.length - 1], layoutFor);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const older = files.length > 1 ? `; delete it to resume from ${files[files.length - 2]}` : '';
    throw new Error(message + older);
  }
}

function fillFrom(loaded: LoadedTensors, layout: ParamTensor[], out: Float32Array, prefix: string, fail: (why: string) => never): void {
  for (const t of layout) {
    const found = loaded.tensors.get(prefix + t.name);
    if (!found) fail(`it has no tensor ${prefix + t.name}: it was saved for a different network`);
    if (found!.shape.join('x') !== t.shape.join('x')) fail(`tensor ${prefix + t.name} has shape ${found!.shape.join('x')}, the network needs ${t.shape.join('x')}`);
    out.set(found!.data, t.offset);
  }
}

function parseJson<T>(text: string | undefined, schema: z.ZodType<T>, field: string, fail: (why: string) => never): T {
  if (text === undefined) fail(`its metadata has no ${field}`);
  let raw: unknown;
  try {
    raw = JSON.parse(text!);
  } catch {
    fail(`its ${field} metadata is not JSON`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) fail(`${field}.${describeIssue(parsed.error, raw)}`);
  return parsed.data!;
}
