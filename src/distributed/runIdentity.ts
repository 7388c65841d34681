/**
 * What the service and a node compare before they work together: the run (its config without
 * budgets and per-machine settings, so a resumed run with a larger --max-steps is the same run)
 * and the network's layout (tensor names and shapes, so both sides index the same parameters).
 */
import { createHash } from 'node:crypto';
import type { TrainConfig } from '../config.js';
import type { ParamTensor } from '../nn/sequential.js';

/** Settings that may differ between segments of one run, or between the service and a node. */
const NOT_THE_RUN: (keyof TrainConfig)[] = [
  'workers', 'maxSteps', 'maxSeconds', 'targetReturn', 'evalEverySeconds', 'evalEpisodes',
  'checkpointEverySeconds', 'keepCheckpoints', 'kernels', 'rom',
];

export function runHash(config: TrainConfig): string {
  const identity = Object.fromEntries(Object.entries(config).filter(([key]) => !NOT_THE_RUN.includes(key as keyof TrainConfig)).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16);
}

export function netHash(layout: ParamTensor[]): string {
  return createHash('sha256').update(JSON.stringify(layout.map((t) => [t.name, t.shape]))).digest('hex').slice(0, 16);
}
