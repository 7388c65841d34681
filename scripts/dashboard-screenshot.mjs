// Screenshot of a running dashboard: node scripts/dashboard-screenshot.mjs <url> <out.png>
// Uses Debian's Chromium (or $A3C_CHROMIUM) through playwright-core.
import { chromium } from 'playwright-core';

const [url, out] = process.argv.slice(2);
if (!url || !out) {
  console.error('usage: node scripts/dashboard-screenshot.mjs <dashboard-url> <out.png>');
  process.exit(2);
}
const browser = await chromium.launch({ executablePath: process.env.A3C_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
await page.goto(url);
await page.waitForFunction(() => window.dashboardState.points.length > 0 && window.dashboardState.frames > 1, null, { timeout: 60_000 });
await page.waitForTimeout(1500);
await page.screenshot({ path: out });
await browser.close();
console.log(`wrote ${out}`);
