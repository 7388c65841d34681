import { PNG } from 'pngjs';

/** A packed RGB image, as environments render it. */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

/** PNG bytes of an RGB image (pngjs: a maintained encoder; PNG needs zlib and CRC-32 we would otherwise hand-roll). */
export function encodePng(image: RgbImage): Buffer {
  const { width, height, rgb } = image;
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(rgb.buffer, rgb.byteOffset, width * height * 3);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}

export function decodePng(bytes: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return { width: png.width, height: png.height, rgba: png.data };
}
