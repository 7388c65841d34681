import type { TrainConfig } from '../config.js';
import type { OptimizerSettings } from '../nn/kernels/sharedOptimizer.js';
import { scheduledLearningRate, type LearningRateSchedule } from '../nn/optimizers.js';

/** A run's learning-rate schedule: `linear` anneals to 0 over its --max-steps (the A3C paper). */
export function scheduleOf(config: Pick<TrainConfig, 'lrSchedule' | 'maxSteps'>): LearningRateSchedule {
  if (config.lrSchedule === 'constant') return { kind: 'constant' };
  if (config.maxSteps === null) throw new Error('--lr-schedule linear anneals over --max-steps: give --max-steps N');
  return { kind: 'linear', steps: config.maxSteps };
}

/** The optimizer settings the global store applies for a run: its optimizer with its schedule. */
export function optimizerSettings(config: Pick<TrainConfig, 'optimizer' | 'lrSchedule' | 'maxSteps'>): OptimizerSettings {
  return { ...config.optimizer, schedule: scheduleOf(config) };
}

/** The learning rate at `globalSteps`, as logged (charts/learning_rate). */
export function learningRateAt(config: Pick<TrainConfig, 'optimizer' | 'lrSchedule' | 'maxSteps'>, globalSteps: number): number {
  return scheduledLearningRate(config.optimizer.learningRate, scheduleOf(config), globalSteps);
}
