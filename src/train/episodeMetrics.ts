import { KEYS, type MetricsRecord } from '../metrics/records.js';
import type { EpisodeRecord } from './actorLearner.js';

/**
 * A finished episode as a record of the metrics stream: the reference's three TensorBoard tags
 * (return, length, mean max probability), the score average and maximum, the mean of the last
 * 100 returns after it, and the episode's losses.
 */
export function episodeMetrics(episode: EpisodeRecord, wallTime: number, meanReturn100: number): MetricsRecord {
  return {
    kind: 'episode', step: episode.step, wall_time: wallTime, episode: episode.episode, worker: episode.worker,
    values: {
      [KEYS.episodeReturn]: episode.return,
      [KEYS.episodeLength]: episode.length,
      [KEYS.meanMaxProb]: episode.meanMaxProb,
      [KEYS.scoreAverage]: episode.scoreAverage,
      [KEYS.scoreMax]: episode.scoreMax,
      [KEYS.meanReturn100]: meanReturn100,
      [KEYS.policyGradientLoss]: episode.policyGradientLoss,
      [KEYS.valueLoss]: episode.valueLoss,
      [KEYS.entropy]: episode.entropy,
    },
  };
}
