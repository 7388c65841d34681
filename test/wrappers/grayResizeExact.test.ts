import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Breakout } from '../../src/envs/breakout/breakout.js';
import { GrayResize } from '../../src/wrappers/grayResize.js';

// Values worked by hand with skimage's rgb2gray weights (0.2125, 0.7154, 0.0721); the
// reference stores np.uint8(...) of them, which truncates.
function uniform(r: number, g: number, b: number): Uint8Array {
  const rgb = new Uint8Array(210 * 160 * 3);
  for (let i = 0; i < rgb.length; i += 3) { rgb[i] = r; rgb[i + 1] = g; rgb[i + 2] = b; }
  return rgb;
}

test('GrayResize truncates exactly like np.uint8: uniform frames give one exact value everywhere', () => {
  const env = new GrayResize(new Breakout(0), 84);
  const cases: [number, number, number, number][] = [
    [100, 150, 200, 142], // 21.25 + 107.31 + 14.42 = 142.98: truncated, not rounded
    [142, 142, 142, 142], // weights sum to 1: gray stays gray
    [255, 255, 255, 255], // white stays white despite float rounding
    [0, 0, 0, 0],
    [200, 72, 72, 99], // 42.5 + 51.5088 + 5.1912 = 99.2
    [10, 20, 250, 34], // 2.125 + 14.308 + 18.025 = 34.458
  ];
  for (const [r, g, b, expected] of cases) {
    const out = env.transform(uniform(r, g, b));
    const wrong = out.findIndex((v) => v !== expected);
    assert.equal(wrong, -1, `rgb(${r}, ${g}, ${b}) -> ${expected}, got ${out[wrong]} at pixel ${wrong}`);
  }
});
