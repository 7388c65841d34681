import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomicFile.js';
import { encodePng, type RgbImage } from '../io/png.js';

/**
 * Worker 0's current game screen, refreshed a few times a second in the run directory, so a
 * dashboard in this process or another one can show the game live.
 */
export const LIVE_FRAME_FILE = 'live.png';

export function writeLiveFrame(runDir: string, frame: RgbImage): void {
  // Not fsynced: a reader must never see half a frame, but a crash may lose it.
  writeFileAtomic(join(runDir, LIVE_FRAME_FILE), [encodePng(frame)], { durable: false });
}
