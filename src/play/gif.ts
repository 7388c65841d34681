import gifenc from 'gifenc';
import type { RgbImage } from '../io/png.js';

const { GIFEncoder, applyPalette, quantize } = gifenc;

/**
 * Animated GIF of RGB frames with gifenc (a small, maintained pure-JS encoder with its own
 * quantizer): one 256-colour palette per frame, so colours that appear late (a red brick row,
 * a bright ball) are not lost.
 */
export class GifRecorder {
  private readonly encoder = GIFEncoder();
  private rgba: Uint8Array | null = null;
  frames = 0;

  constructor(private readonly delayMs: number) {}

  add(frame: RgbImage): void {
    const pixels = frame.width * frame.height;
    if (!this.rgba || this.rgba.length !== pixels * 4) this.rgba = new Uint8Array(pixels * 4);
    const rgba = this.rgba;
    for (let p = 0; p < pixels; p++) {
      rgba[p * 4] = frame.rgb[p * 3];
      rgba[p * 4 + 1] = frame.rgb[p * 3 + 1];
      rgba[p * 4 + 2] = frame.rgb[p * 3 + 2];
      rgba[p * 4 + 3] = 255;
    }
    const palette = quantize(rgba, 256);
    this.encoder.writeFrame(applyPalette(rgba, palette), frame.width, frame.height, { palette, delay: this.delayMs, repeat: 0 });
    this.frames++;
  }

  bytes(): Uint8Array {
    this.encoder.finish();
    return this.encoder.bytes();
  }
}
