// The exceptions page of the web UI with 10,000 exceptions in the store, in Debian's Chromium: the time
// from navigation to the first contentful paint, and to the first page of the inventory painted (the
// page's meaningful content), from Chromium's performance timeline. Median of 7 loads, cache cold each.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { seed } from './support/seed.mjs';
import { benchSize, scaled } from './support/size.mjs';

const COUNT = benchSize(10_000, 200);
const ROUNDS = scaled(7, 1);
const TOKEN = 'bench-admin-token-0123456789abcdefghijklmnop';
const dir = mkdtempSync(join(tmpdir(), 'waiver-bench-ui-'));
const db = join(dir, 'waiver.db');
let t0 = performance.now();
await seed(db, join(dir, 'gitops'), COUNT);
console.log(`seeded ${COUNT} exceptions in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const server = spawn(process.execPath, ['dist/cli/bin.js', 'serve', '--port', '0', '--no-sweep'], {
  env: {
    ...process.env,
    WAIVER_DB: db,
    WAIVER_TARGET_DIR: join(dir, 'gitops'),
    WAIVER_ADMIN_TOKEN: TOKEN,
    WAIVER_LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    const found = /waiver serving on (http:\/\/[\d.:]+)/.exec(out);
    if (found) resolve(found[1]);
  });
  server.on('exit', (code) => reject(new Error(`waiver serve exited with ${code}`)));
});
server.stdout.resume();

const executablePath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const fcp = [];
const meaningful = [];
for (let round = 0; round < ROUNDS; round++) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // Signed in as a user is after the sign-in form: the token in the tab's session storage.
  await context.addInitScript((token) => sessionStorage.setItem('waiver.token', token), TOKEN);
  const page = await context.newPage();
  await page.goto(`${url}/#/exceptions`);
  await page.waitForSelector('tbody tr');
  const timing = await page.evaluate(
    () =>
      new Promise((resolve) =>
        // The frame after the rows exist is when they are painted.
        requestAnimationFrame(() =>
          setTimeout(() => {
            const paint = performance.getEntriesByName('first-contentful-paint')[0];
            resolve({
              fcp: paint ? paint.startTime : NaN,
              rows: performance.now(),
              count: document.querySelectorAll('tbody tr').length,
            });
          }, 0),
        ),
      ),
  );
  if (round === 0) console.log(`first page: ${timing.count} rows of ${COUNT}`);
  fcp.push(timing.fcp);
  meaningful.push(timing.rows);
  await context.close();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `exceptions page, ${COUNT} exceptions: first contentful paint ${median(fcp).toFixed(0)} ms, first page of the inventory painted ${median(meaningful).toFixed(0)} ms (medians of ${ROUNDS}; each ${meaningful.map((m) => m.toFixed(0)).join(', ')} ms)`,
);
await browser.close();
server.kill('SIGTERM');
await new Promise((resolve) => server.on('exit', resolve));
rmSync(dir, { recursive: true, force: true });
