// `npm run screenshot`: regenerates docs/dashboard.png from today's dashboard, so the README's picture cannot go stale.
// Starts the demo's state (controller/src/demo: provider fakes, real agents on the fake nvidia-smi, compressed
// timings), waits until the idle instance is paused and the others are kept, and photographs the page with the
// Debian Chromium through playwright-core (launched as the browser tests launch it; no browser is downloaded).
//   npm run screenshot [-- --wait SECONDS] [--out PATH]
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runDemo } from '../controller/src/demo/run-demo';
import { createLogger } from '../controller/src/log';
import { launchChromium } from '../test/helpers/headless-chromium';

const MAX_BYTES = 400 * 1024;

function options(argv: readonly string[]): { waitSec: number; out: string } {
  let waitSec = 75;
  let out = 'docs/dashboard.png';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    if (a === '--wait' && v !== undefined && /^\d+$/.test(v)) waitSec = Number(v);
    else if (a === '--out' && v !== undefined) out = v;
    else throw new Error(`unknown argument "${a}"; usage: npm run screenshot [-- --wait SECONDS] [--out PATH]`);
    i++;
  }
  return { waitSec, out: resolve(out) };
}

async function main(): Promise<void> {
  const { waitSec, out } = options(process.argv.slice(2));
  const dataDir = mkdtempSync(join(tmpdir(), 'co-screenshot-'));
  const demo = await runDemo({ port: 0, dataDir, logger: createLogger({ level: 'warn' }), print: () => {} });
  try {
    console.log(`demo at ${demo.url}; waiting ${waitSec} s for the idle instance to be paused and the others kept`);
    await new Promise((r) => setTimeout(r, waitSec * 1000));
    const password = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({
        httpCredentials: { username: 'admin', password },
        viewport: { width: 1280, height: 860 },
        deviceScaleFactor: 1,
      });
      const page = await context.newPage();
      const res = await page.goto(demo.url, { waitUntil: 'networkidle' });
      if (res === null || res.status() !== 200) throw new Error(`the dashboard answered ${res?.status() ?? 'nothing'}`);
      // The fleet table scrolls sideways at 1280 px: widen the window until its last columns (policy, the buttons) show.
      const wide = Number(await page.evaluate(`Math.max(...Array.from(document.querySelectorAll('table'), (t) => t.scrollWidth))`));
      if (wide + 48 > 1280) await page.setViewportSize({ width: Math.min(2200, wide + 48), height: 860 });
      await page.screenshot({ path: out, fullPage: true });
    } finally {
      await browser.close();
    }
  } finally {
    await demo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const bytes = statSync(out).size;
  console.log(`wrote ${out} (${Math.round(bytes / 1024)} KB)`);
  if (bytes > MAX_BYTES) throw new Error(`${out} is ${Math.round(bytes / 1024)} KB, above ${MAX_BYTES / 1024} KB: narrow the viewport`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`screenshot: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
