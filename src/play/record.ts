import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '../io/png.js';
import { getPreset } from '../presets.js';
import { loadPolicy } from '../presetEngine.js';
import { playEpisodes, type WeightsChoice, type WeightsInfo } from '../train/evaluate.js';
import { GifRecorder } from './gif.js';
import type { EmulatorKind } from '../envs/atari/emulatorCore.js';
import { withCaption } from './textOverlay.js';

export interface RecordOptions {
  episodes: number;
  seed: number;
  greedy: boolean;
  /** Animated GIF to write. */
  gif?: string;
  /** Directory for one PNG per agent step. */
  pngDir?: string;
  /** Pixel enlargement of the recorded frames. */
  scale: number;
  rom?: string;
  /** Run the game on this 2600 core instead of the run's. */
  emulator?: EmulatorKind;
  /** best.safetensors or model.safetensors (default: best when the run has it). */
  weights?: WeightsChoice;
}

export interface RecordResult {
  returns: number[];
  frames: number;
  gifBytes: number;
  /** The weights that played. */
  weights: WeightsInfo;
}

/**
 * Plays a run's saved policy and records the full-colour game with a caption band (episode,
 * score, step) to an animated GIF and/or PNG frames, at the game's own speed.
 */
export function recordRun(runDir: string, options: RecordOptions): RecordResult {
  const { config, env, actionAfterLifeLoss, policy, weights } = loadPolicy(runDir, options);
  if (!env.render) throw new Error(`${config.env} cannot render frames to record`);
  const render = env.render.bind(env);
  const delay = Math.max(20, Math.round(getPreset(config.env).stepMilliseconds(config) / 10) * 10); // GIF delays are in 10 ms units
  const gif = options.gif ? new GifRecorder(delay) : null;
  if (options.pngDir) mkdirSync(options.pngDir, { recursive: true });
  let frames = 0;
  const returns = playEpisodes(env, actionAfterLifeLoss, options, policy, (at) => {
    const frame = withCaption(render(), `EP ${at.episode}  SCORE ${at.score}  STEP ${at.step}`, options.scale);
    frames++;
    gif?.add(frame);
    if (options.pngDir) writeFileSync(join(options.pngDir, `frame-${String(frames).padStart(6, '0')}.png`), encodePng(frame));
  });
  let gifBytes = 0;
  if (gif && options.gif) {
    const bytes = gif.bytes();
    writeFileSync(options.gif, bytes);
    gifBytes = bytes.length;
  }
  return { returns, frames, gifBytes, weights };
}
