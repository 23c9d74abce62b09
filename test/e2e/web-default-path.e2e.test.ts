import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, go, problemsOf, screenshot, signedIn as signedInPage } from '../support/browser.js';
import { legacyRequest } from '../support/requests.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { startWebSession, type WebSession } from '../support/web-session.js';

/**
 * The web UI on the default setup a new user starts with: one folder target, no cluster. Nothing may
 * look broken there: no CLI flag message, no call the targets cannot answer, no red where nothing failed.
 */
let web: WebSession | undefined;
let browser: Browser;
let server: TestServer;
let tokens: Record<string, string>;

interface Watched {
  page: Page;
  /** Script errors, CSP violations and every API answer of 400 or more, as "STATUS path". */
  problems: string[];
}

async function signedIn(token: string, width = 1280): Promise<Watched> {
  const page = await signedInPage(browser, server.url, token, { width, refusals: true });
  return { page, problems: problemsOf(page) };
}

/** The page's own globals: functions passed to evaluate run in the browser, not in Node. */
type InPage = {
  getComputedStyle: (el: unknown) => Record<'color' | 'backgroundColor', string>;
  navigator: { clipboard: { readText: () => Promise<string> } };
  document: { documentElement: { scrollWidth: number; clientWidth: number } };
};

/** The computed colour of an element, as the browser paints it. */
const colourOf = (page: Page, selector: string, property: 'color' | 'backgroundColor') =>
  page
    .locator(selector)
    .first()
    .evaluate((el, p) => (globalThis as unknown as InPage).getComputedStyle(el)[p], property);

describe.skipIf(!chromiumPath)('the web UI on the default setup (a folder, no cluster)', () => {
  beforeAll(async () => {
    web = await startWebSession({
      name: 'web-default',
      people: { alice: 'requester', bob: 'approver', carol: 'applier' },
    });
    ({ browser, server, tokens } = web);
    const as = (who: string) => server.as(tokens[who] ?? '');
    // EX-1 pending; EX-2 applied, then revoked with a reason; EX-3 rejected.
    for (const ticket of ['MIG-1', 'MIG-2', 'MIG-3'])
      expect((await as('alice')('POST', '/api/v1/exceptions', legacyRequest(ticket))).status).toBe(201);
    expect((await as('bob')('POST', '/api/v1/exceptions/EX-2/approve', {})).status).toBe(200);
    expect((await as('carol')('POST', '/api/v1/exceptions/EX-2/apply', {})).status).toBe(200);
    const revoked = await as('carol')('POST', '/api/v1/exceptions/EX-2/revoke', {
      comment: 'the images are signed now',
    });
    expect(revoked.status).toBe(200);
    expect(
      (await as('bob')('POST', '/api/v1/exceptions/EX-3/reject', { comment: 'ticket is closed' })).status,
    ).toBe(200);
  });
  afterAll(() => web?.close());

  it('says once, calmly, that the blast radius needs a cluster, and calls nothing the folder cannot answer', async () => {
    const bob = await signedIn(tokens['bob'] ?? '');
    await go(bob.page, '#/');
    await bob.page.getByRole('heading', { name: 'Expiring in the next 7 days' }).waitFor();
    await go(bob.page, '#/review');
    await bob.page.getByRole('button', { name: 'Approve EX-1' }).waitFor();
    const note = bob.page.getByText('Blast radius needs a cluster target; see Targets in the README.');
    expect(await note.count()).toBe(1);
    expect(await colourOf(bob.page, '.note', 'color')).not.toBe('rgb(180, 35, 24)');
    await go(bob.page, '#/exceptions/EX-1');
    await bob.page.getByRole('heading', { name: 'What it lets through now' }).waitFor();
    expect(await note.count()).toBe(1);
    const text = (await bob.page.locator('main').textContent()) ?? '';
    expect(text).not.toContain('--kubeconfig');
    expect(await bob.page.locator('p.error').count()).toBe(0);
    // No call for unmanaged exceptions or coverage, so no 400 in the log.
    expect(bob.problems).toEqual([]);
    await bob.page.close();
  });

  it('shows how and when an ended exception ended, never a future expiry', async () => {
    const alice = await signedIn(tokens['alice'] ?? '');
    await go(alice.page, '#/exceptions/EX-2');
    const facts = alice.page.locator('dl.facts');
    await facts.getByText('Ended', { exact: true }).waitFor();
    const ended = (await facts.locator('div', { hasText: /^Ended/ }).textContent()) ?? '';
    expect(ended).toMatch(/Revoked by carol, .*: “the images are signed now”/);
    expect(await facts.getByText('Expires', { exact: true }).count()).toBe(0);
    expect((await facts.textContent()) ?? '').not.toMatch(/\(in \d+ days?\)/);
    await go(alice.page, '#/exceptions/EX-3');
    await facts.getByText(/Rejected by bob, .*: “ticket is closed”/).waitFor();
    await go(alice.page, '#/exceptions?state=removed');
    await alice.page.getByRole('cell', { name: 'removed (revoked)' }).waitFor();
    expect(alice.problems).toEqual([]);
    await alice.page.close();
  });

  it('confirms an approval with what happens next, and asks to confirm a revoke in red', async () => {
    const bob = await signedIn(tokens['bob'] ?? '');
    await go(bob.page, '#/review');
    await bob.page.getByRole('button', { name: 'Approve EX-1' }).click();
    await bob.page
      .getByRole('status')
      .getByText(/Approved EX-1.*Next, an applier other than you applies it/)
      .waitFor();
    await bob.page.close();

    const carol = await signedIn(tokens['carol'] ?? '');
    await go(carol.page, '#/exceptions/EX-1');
    await carol.page.getByRole('button', { name: 'Apply', exact: true }).click();
    await carol.page.getByRole('button', { name: 'Apply EX-1' }).click();
    await carol.page
      .getByRole('status')
      .getByText(/Applied EX-1: it is written to target/)
      .waitFor();
    await carol.page.getByRole('button', { name: 'Revoke', exact: true }).click();
    const confirm = carol.page.getByRole('button', { name: 'Revoke EX-1' });
    await confirm.waitFor();
    const red = 'rgb(180, 35, 24)';
    expect(
      await confirm.evaluate((el) => (globalThis as unknown as InPage).getComputedStyle(el).backgroundColor),
    ).toBe(red);
    await carol.page.getByRole('button', { name: 'Cancel' }).click();
    expect(await confirm.count()).toBe(0);
    expect(carol.problems).toEqual([]);
    await carol.page.close();
  });

  it('lists tokens with their state and roles, copies a new secret, and confirms a revoke in red', async () => {
    const admin = await signedIn(server.adminToken);
    await admin.page
      .context()
      .grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await go(admin.page, '#/tokens');
    await admin.page.getByLabel('Owner (the identity it acts as)').fill('erin');
    await admin.page.getByRole('button', { name: 'Create token' }).click();
    const secret = (await admin.page.getByLabel('The new token').textContent()) ?? '';
    expect(secret).toMatch(/^wvr_/);
    await admin.page.getByRole('button', { name: 'Copy token' }).click();
    await admin.page.getByText('Copied to the clipboard.').waitFor();
    expect(
      await admin.page.evaluate(() => (globalThis as unknown as InPage).navigator.clipboard.readText()),
    ).toBe(secret);
    const row = admin.page.getByRole('row').filter({ hasText: 'erin' });
    expect(await row.getByRole('cell', { name: 'requester' }).count()).toBe(1);
    await row.getByText('active', { exact: true }).waitFor();
    await row.getByRole('button', { name: 'Revoke…' }).click();
    const confirm = row.getByRole('button', { name: /^Revoke t/ });
    expect(
      await confirm.evaluate((el) => (globalThis as unknown as InPage).getComputedStyle(el).backgroundColor),
    ).toBe('rgb(180, 35, 24)');
    await confirm.click();
    await row.getByText('revoked', { exact: true }).waitFor();
    expect(admin.problems).toEqual([]);
    await admin.page.close();
  });

  it('offers each role only the pages it can use, and refuses the others without calling the API', async () => {
    const alice = await signedIn(tokens['alice'] ?? '');
    const nav = alice.page.getByRole('navigation', { name: 'Pages' });
    expect(await nav.getByRole('link', { name: 'Tokens' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'Request' }).count()).toBe(1);
    await go(alice.page, '#/tokens');
    await alice.page.getByText('This page is for admin; you are signed in as alice (requester).').waitFor();
    expect(await alice.page.getByRole('button', { name: 'Create token' }).count()).toBe(0);
    expect(alice.problems).toEqual([]);
    await alice.page.close();
    const bob = await signedIn(tokens['bob'] ?? '');
    expect(
      await bob.page
        .getByRole('navigation', { name: 'Pages' })
        .getByRole('link', { name: 'Request' })
        .count(),
    ).toBe(0);
    await go(bob.page, '#/request');
    await bob.page.getByText(/This page is for requester or admin/).waitFor();
    await bob.page.close();
  });

  it('shows the review queue in words, no CLI commands, and a Deployment request as a Deployment', async () => {
    const filed = await server.as(tokens['alice'] ?? '')('POST', '/api/v1/exceptions', {
      ...legacyRequest('MIG-5'),
      kinds: ['Deployment'],
    });
    expect(filed.status).toBe(201);
    const id = (filed.body as { exception: { id: string } }).exception.id;
    const bob = await signedIn(tokens['bob'] ?? '');
    await go(bob.page, '#/review');
    await bob.page.getByRole('button', { name: `Approve ${id}` }).waitFor();
    await bob.page.getByText('requested by alice: approve or reject', { exact: true }).first().waitFor();
    expect((await bob.page.locator('main').textContent()) ?? '').not.toMatch(/waiver (approve|apply) /);
    expect((await bob.page.locator('main').textContent()) ?? '').toMatch(
      /— Deployment\b[^—]*payments-api-\* in payments/,
    );
    expect((await bob.page.locator('main').textContent()) ?? '').not.toContain('pods payments-api');
    await go(bob.page, `#/exceptions/${id}`);
    const kinds = bob.page.locator('dl.facts div', { has: bob.page.getByText('Kinds', { exact: true }) });
    expect((await kinds.textContent()) ?? '').toMatch(/Deployment/);
    expect(bob.problems).toEqual([]);
    await bob.page.close();
  });

  it('shows a refusal on the field it names, or as one plain line; and a state it does not know as asked', async () => {
    const admin = await signedIn(server.adminToken);
    await go(admin.page, '#/exceptions?state=activ');
    const alert = admin.page.getByRole('alert');
    await alert.getByText(/unknown state "activ"/).waitFor();
    expect((await alert.textContent()) ?? '').not.toMatch(/\(state\)$/);
    expect(await admin.page.getByLabel('State').inputValue()).toBe('activ');
    await admin.page.getByRole('link', { name: 'Clear the filters' }).click();
    await admin.page.getByRole('cell', { name: 'removed (revoked)' }).waitFor();
    expect(await admin.page.getByRole('alert').count()).toBe(0);

    // No role and an expiry that is no duration: both named on their fields, nothing sent.
    await go(admin.page, '#/tokens');
    await admin.page.getByLabel('Owner (the identity it acts as)').fill('frank');
    await admin.page.getByRole('checkbox', { name: 'requester' }).uncheck();
    await admin.page.getByLabel('Expires after').fill('9x');
    await admin.page.getByRole('button', { name: 'Create token' }).click();
    expect(await admin.page.locator('#e-roles').textContent()).toBe('choose at least one role');
    expect(await admin.page.locator('#e-expires').textContent()).toMatch(/^"9x" is not a duration/);
    expect(await admin.page.getByLabel('Expires after').getAttribute('aria-invalid')).toBe('true');
    expect(await admin.page.getByRole('row').filter({ hasText: 'frank' }).count()).toBe(0);
    expect(admin.problems).toEqual(['400 /api/v1/exceptions']);
    await admin.page.close();
  });

  it('marks a typed policy name on its own field, and says no rules are chosen when none are', async () => {
    const alice = await signedIn(tokens['alice'] ?? '');
    await go(alice.page, '#/request');
    await alice.page.getByLabel('Policy', { exact: true }).selectOption({ label: 'Another policy…' });
    const name = alice.page.getByLabel('Policy name');
    await name.fill('Bad Policy');
    await name.press('Tab');
    await alice.page.locator('#e-customPolicy p.error').first().waitFor();
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    expect(await alice.page.getByLabel('Policy', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    expect(await alice.page.locator('#e-policy p.error').count()).toBe(0);
    const summary = (await alice.page.locator('#scope-summary').textContent()) ?? '';
    expect(summary).toContain('It will except Bad Policy: no rules chosen yet');
    expect(summary).not.toContain('check-image-signature');
    await alice.page.close();
  });

  it('on an empty database, claims no target met and points to Request', async () => {
    const emptyDir = mkdtempSync(join(tmpdir(), 'waiver-web-empty-'));
    const empty = await startTestServer({ database: join(emptyDir, 'w.db'), dir: emptyDir });
    try {
      const page = await signedInPage(browser, empty.url, empty.adminToken);
      await go(page, '#/');
      const cards = page.getByRole('list', { name: 'Process metrics' });
      await cards.getByText('Average duration').waitFor();
      const text = (await cards.textContent()) ?? '';
      expect(text).toContain('no data yet');
      expect(text).not.toMatch(/on target|off target/);
      await screenshot(page, 'empty-dashboard-1280');
      await go(page, '#/exceptions');
      await page.getByText('No exceptions yet.').waitFor();
      expect(await page.getByRole('link', { name: 'Request one' }).getAttribute('href')).toBe('#/request');
      await page.setViewportSize({ width: 390, height: 900 });
      await screenshot(page, 'empty-exceptions-390');
      await page.close();
    } finally {
      await empty.close();
      rmSync(emptyDir, { recursive: true, force: true });
    }
  });

  it('fits every page into 390 pixels, tables as cards, and shoots every page at 1280 and 390', async () => {
    // A request waiting for review, so the review page shows a card as a reviewer sees one.
    const filed = await server.as(tokens['alice'] ?? '')(
      'POST',
      '/api/v1/exceptions',
      legacyRequest('MIG-4'),
    );
    expect(filed.status).toBe(201);
    const pages: [string, string][] = [
      ['#/', 'Dashboard'],
      ['#/request', 'Request an exception'],
      ['#/exceptions', 'Exceptions'],
      ['#/exceptions/EX-1', 'EX-1'],
      ['#/exceptions/EX-2', 'EX-2'],
      ['#/review', 'Review'],
      ['#/audit', 'Audit log'],
      ['#/tokens', 'API tokens'],
    ];
    for (const width of [1280, 390]) {
      const admin = await signedIn(server.adminToken, width);
      for (const [hash, heading] of pages) {
        await go(admin.page, hash);
        // Shot when the page has loaded what it shows, not while it says "Loading…".
        await admin.page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor();
        await expect.poll(() => admin.page.locator('.loading').count()).toBe(0);
        const overflow = await admin.page.evaluate(
          () =>
            (globalThis as unknown as InPage).document.documentElement.scrollWidth -
            (globalThis as unknown as InPage).document.documentElement.clientWidth,
        );
        expect(overflow, `${hash} at ${width} px`).toBeLessThanOrEqual(0);
        if (width === 390 && (await admin.page.locator('table.data').count()) > 0) {
          // Each cell sits inside the viewport: nothing is clipped by a table wider than the screen.
          const right = await admin.page
            .locator('table.data td')
            .evaluateAll((cells) => Math.max(...cells.map((c) => c.getBoundingClientRect().right)));
          expect(right, `${hash} at ${width} px`).toBeLessThanOrEqual(390);
        }
        const name = hash.replace(/^#\/?/, '').replace(/\W+/g, '-') || 'dashboard';
        await screenshot(admin.page, `default-${name}-${width}`);
      }
      expect(admin.problems).toEqual([]);
      await admin.page.close();
      const fresh = await browser.newPage({ viewport: { width, height: 900 } });
      await fresh.goto(server.url);
      await fresh.getByText('./.waiver/admin-token').waitFor();
      await screenshot(fresh, `default-sign-in-${width}`);
      await fresh.goto(`${server.url}/api/docs`);
      await fresh.getByRole('heading', { name: /^POST \/api\/v1\/exceptions Request/ }).waitFor();
      await screenshot(fresh, `default-api-docs-${width}`);
      await fresh.close();
    }
  });

  it("shows the first week's slope without judging it, as the CLI and /metrics do", async () => {
    const as = (who: string) => server.as(tokens[who] ?? '');
    const filed = await as('alice')('POST', '/api/v1/exceptions', legacyRequest('MIG-6'));
    expect(filed.status, filed.text).toBe(201);
    const id = (filed.body as { exception: { id: string } }).exception.id;
    expect((await as('bob')('POST', `/api/v1/exceptions/${id}/approve`, {})).status).toBe(200);
    expect((await as('carol')('POST', `/api/v1/exceptions/${id}/apply`, {})).status).toBe(200);
    const viewer = await signedIn(server.adminToken);
    await go(viewer.page, '#/');
    const card = viewer.page
      .getByRole('list', { name: 'Process metrics' })
      .getByRole('listitem')
      .filter({ hasText: 'Active exceptions' });
    await card.getByText(/judged once two weeks have ended with active exceptions/).waitFor();
    expect(await card.textContent()).not.toMatch(/on target|off target/);
    expect(await card.getAttribute('class')).toBe('card');
    const metrics = await server.as(server.adminToken)('GET', '/metrics');
    expect(metrics.text).toMatch(/^waiver_red_flag 0$/m);
    expect(viewer.problems).toEqual([]);
    await viewer.page.close();
  });
});
