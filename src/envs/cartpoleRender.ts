import type { RgbImage } from '../io/png.js';

/**
 * A picture of CartPole's state in the style of Gymnasium's renderer (cart, pole, axle,
 * track), drawn straight into an RGB buffer: the world's [-2.4, 2.4] metres span the width.
 */
export const CARTPOLE_FRAME = { width: 300, height: 200 } as const;

export function renderCartPole(x: number, theta: number, out: Uint8Array = new Uint8Array(CARTPOLE_FRAME.width * CARTPOLE_FRAME.height * 3)): RgbImage {
  const { width, height } = CARTPOLE_FRAME;
  const scale = width / 4.8;
  const trackY = 150;
  out.fill(255);
  const put = (px: number, py: number, r: number, g: number, b: number): void => {
    if (px < 0 || py < 0 || px >= width || py >= height) return;
    const i = (py * width + px) * 3;
    out[i] = r; out[i + 1] = g; out[i + 2] = b;
  };
  for (let px = 0; px < width; px++) put(px, trackY, 0, 0, 0);
  const cartX = Math.round(x * scale + width / 2);
  for (let dy = -10; dy < 10; dy++) for (let dx = -25; dx < 25; dx++) put(cartX + dx, trackY - 10 + dy, 0, 0, 0);
  // The pole (1 m long on screen, as Gymnasium draws it) from the axle, thickness 10 px.
  const axleY = trackY - 15;
  const length = scale;
  for (let t = 0; t <= length; t += 0.5) {
    const cx = cartX + Math.sin(theta) * t;
    const cy = axleY - Math.cos(theta) * t;
    for (let w = -5; w <= 5; w++) put(Math.round(cx + Math.cos(theta) * w), Math.round(cy + Math.sin(theta) * w), 202, 152, 101);
  }
  for (let dy = -4; dy <= 4; dy++) for (let dx = -4; dx <= 4; dx++) if (dx * dx + dy * dy <= 16) put(cartX + dx, axleY + dy, 129, 132, 203);
  return { width, height, rgb: out };
}
