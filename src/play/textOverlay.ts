import type { RgbImage } from '../io/png.js';

/**
 * A caption band above a game frame ("EPISODE 1  SCORE 12  STEP 340"), drawn with a 3x5 pixel
 * font so recordings show the score whatever the game draws itself.
 */
const GLYPHS: Record<string, string> = {
  '0': '111101101101111', '1': '010110010010111', '2': '111001111100111', '3': '111001111001111',
  '4': '101101111001001', '5': '111100111001111', '6': '111100111101111', '7': '111001010010010',
  '8': '111101111101111', '9': '111101111001111', '-': '000000111000000', '.': '000000000000010',
  ' ': '000000000000000', A: '010101111101101', C: '111100100100111', D: '110101101101110',
  E: '111100111100111', G: '111100101101111', I: '111010010010111', L: '100100100100111',
  O: '111101101101111', P: '111101111100100', R: '110101110101101', S: '111100111001111',
  T: '111010010010010', V: '101101101101010', W: '101101111111101',
};

export const BAND_HEIGHT = 9;

/** `frame` with a black band on top holding `text` in white; `scale` enlarges the whole picture. */
export function withCaption(frame: RgbImage, text: string, scale = 1): RgbImage {
  const width = frame.width * scale;
  const height = (frame.height + BAND_HEIGHT) * scale;
  const rgb = new Uint8Array(width * height * 3);
  const put = (x: number, y: number, r: number, g: number, b: number): void => {
    for (let dy = 0; dy < scale; dy++) {
      for (let dx = 0; dx < scale; dx++) {
        const i = ((y * scale + dy) * width + x * scale + dx) * 3;
        rgb[i] = r; rgb[i + 1] = g; rgb[i + 2] = b;
      }
    }
  };
  for (let y = 0; y < frame.height; y++) {
    for (let x = 0; x < frame.width; x++) {
      const i = (y * frame.width + x) * 3;
      put(x, y + BAND_HEIGHT, frame.rgb[i], frame.rgb[i + 1], frame.rgb[i + 2]);
    }
  }
  let cursor = 2;
  for (const ch of text.toUpperCase()) {
    const glyph = GLYPHS[ch] ?? GLYPHS[' '];
    if (cursor + 3 > frame.width) break;
    for (let row = 0; row < 5; row++) for (let col = 0; col < 3; col++) if (glyph[row * 3 + col] === '1') put(cursor + col, 2 + row, 255, 255, 255);
    cursor += 4;
  }
  return { width, height, rgb };
}
