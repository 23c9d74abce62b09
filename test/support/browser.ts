import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PATIENCE_MS } from './eventually.js';

/** Debian's Chromium (`.ci/run` installs it); a browser is never downloaded. */
export const chromiumPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** Without Chromium the browser tests are skipped, and said so; on CI nothing may be skipped (.ci/run). */
if (!chromiumPath)
  console.warn(
    "web UI browser tests skipped: install Debian's chromium (apt-get install chromium) to run them; .ci/run does.",
  );

export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath;
  if (!executablePath) throw new Error('Chromium is not installed: apt-get install chromium (.ci/run does)');
  return chromium.launch({
    executablePath,
    headless: true,
    // A loaded machine starts a browser slowly; minutes, not Playwright's 30 s.
    timeout: PATIENCE_MS,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's WCAG 2.x A and AA rules on the page as it stands. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    // Runs in the page: its globals, not Node's.
    const { axe, document } = globalThis as unknown as {
      axe: { run: (context: unknown, options: object) => Promise<{ violations: AxeViolation[] }> };
      document: unknown;
    };
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
}

const SHOTS = join(import.meta.dirname, '..', '..', 'test-output', 'screenshots');

/** A full-page screenshot under test-output/screenshots (git-ignored). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

export interface SignedInOptions {
  width?: number;
  /** Also count every API answer of 400 or more as a problem ("STATUS path"). */
  refusals?: boolean;
}

const problemsByPage = new WeakMap<Page, string[]>();

/**
 * A page of the web UI at `url`, signed in with a token. What goes wrong in it is kept for
 * `problemsOf`: script errors and CSP violations (the browser's own 4xx console lines aside), and with
 * `refusals` every API answer of 400 or more.
 */
export async function signedIn(
  browser: Browser,
  url: string,
  token: string,
  { width = 1280, refusals = false }: SignedInOptions = {},
): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  // Minutes, not a budget, and within the test's own timeout: a missing element is named, not a timeout.
  page.setDefaultTimeout(PATIENCE_MS);
  const problems: string[] = [];
  problemsByPage.set(page, problems);
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(m.text());
  });
  if (refusals)
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
  await page.goto(url);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return page;
}

/** What went wrong in a page `signedIn` opened. */
export const problemsOf = (page: Page): string[] => problemsByPage.get(page) ?? [];

/** Moves the single-page app to a route and waits until its calls are answered. */
export async function go(page: Page, hash: string): Promise<void> {
  // Runs in the page: its globals, not Node's. Resolves once the new route has rendered a frame.
  await page.evaluate(
    (h) =>
      new Promise<void>((resolve) => {
        const w = globalThis as unknown as {
          location: { hash: string };
          addEventListener: (type: string, listener: () => void, options: object) => void;
          requestAnimationFrame: (callback: () => void) => void;
        };
        const rendered = () => w.requestAnimationFrame(() => setTimeout(resolve, 0));
        if (w.location.hash === h) return rendered();
        w.addEventListener('hashchange', rendered, { once: true });
        w.location.hash = h;
      }),
    hash,
  );
  // A page whose code loads when it opens (the request form) is busy until it has.
  await page.waitForFunction(
    () =>
      !(
        globalThis as unknown as { document: { querySelector: (s: string) => unknown } }
      ).document.querySelector('[aria-busy="true"]'),
    undefined,
    { timeout: PATIENCE_MS },
  );
  await page.waitForLoadState('networkidle');
}
