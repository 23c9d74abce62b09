import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  axeViolations,
  chromiumPath,
  go,
  problemsOf,
  screenshot,
  signedIn as signedInPage,
} from '../support/browser.js';
import type { TestServer } from '../support/server.js';
import { startWebSession, type WebSession } from '../support/web-session.js';

let web: WebSession | undefined;
let browser: Browser;
let server: TestServer;
let tokens: Record<string, string>;

/** The page's globals the tests read in it (they compile without the DOM's types). */
interface InPage {
  sessionStorage: { setItem: (key: string, value: string) => void };
  document: { title: string; activeElement: { getAttribute: (name: string) => string | null } | null };
  location: { hash: string };
}

/** A page signed in with a token, failing the test on any CSP violation or script error. */
const signedIn = (token: string, width = 1280): Promise<Page> =>
  signedInPage(browser, server.url, token, { width });

describe.skipIf(!chromiumPath)('Waiver in the browser', () => {
  beforeAll(async () => {
    // A cluster with Kyverno, a Pod-only signature policy and two pods: the reviewer sees what is exempted.
    web = await startWebSession({
      name: 'web',
      people: { alice: 'requester', bob: 'approver', carol: 'applier', dave: 'auditor' },
      cluster: (cluster) => {
        cluster.seed('kyverno.io/v1', 'ClusterPolicy', {
          metadata: { name: 'require-image-signature' },
          spec: {
            rules: [{ name: 'check-image-signature', match: { any: [{ resources: { kinds: ['Pod'] } }] } }],
          },
        });
        for (const name of ['payments-api-1', 'payments-web-1'])
          cluster.seed('v1', 'Pod', { metadata: { name, namespace: 'payments' }, spec: { containers: [] } });
      },
      server: (dir) => ({
        moreTargets: { archive: { kind: 'directory', dir: join(dir, 'archive'), createRoot: true } },
      }),
    });
    ({ browser, server, tokens } = web);
  });
  afterAll(() => web?.close());

  // One inline script is allowed, by its hash: the built page's first script (web/src/early.ts) starts the
  // first API calls while the HTML is parsed, a round trip before the entry script could. The CSP names
  // that exact text; any other inline script (an injected one) is refused, and 'unsafe-inline' is absent.
  it('serves the page with a strict CSP that allows its one inline script by hash and no other', async () => {
    const response = await fetch(server.url);
    const html = await response.text();
    const inline = [...html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g)];
    expect(inline.map((m) => m[0].slice(0, m[0].indexOf('>') + 1))).toEqual(['<script>']);
    const hash = createHash('sha256')
      .update(inline[0]?.[1] ?? '', 'utf8')
      .digest('base64');
    expect(response.headers.get('content-security-policy')).toBe(
      `default-src 'none'; script-src 'self' 'sha256-${hash}'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
    );
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('takes one exception through request, approval, apply and revoke, by three people', async () => {
    // alice requests; 45 days breaks a guardrail, said on the expiry field before anything is sent.
    const alice = await signedIn(tokens['alice'] ?? '');
    expect(await alice.getByRole('link', { name: 'Tokens' }).count()).toBe(0);
    await go(alice, '#/request');
    await alice.getByLabel('Namespaces').fill('payments');
    await alice.getByLabel('Pod name patterns').fill('payments-api-*');
    await alice.getByLabel('Category').selectOption('legacy-migration');
    await alice.getByLabel('Ticket').fill('MIG-7');
    await alice
      .getByLabel('Reason', { exact: true })
      .fill('Legacy payments images move to the signed pipeline this month');
    await alice.getByLabel('Expires').fill('45d');
    await alice.getByLabel('Expires').blur();
    const expiryError = alice.locator('#e-expires');
    await expect
      .poll(() => expiryError.textContent())
      .toContain('a legacy-migration exception lasts at most 30 days');
    expect(await alice.getByLabel('Expires').getAttribute('aria-invalid')).toBe('true');
    expect(await alice.locator('pre.yaml').textContent()).toContain('kind: PolicyException');
    await alice.getByRole('button', { name: 'Request' }).click();
    expect(alice.url()).toContain('#/request'); // refused before submit
    await alice.getByLabel('Expires').fill('14d');
    await alice.getByRole('button', { name: 'Request' }).click();
    await alice.waitForURL(/#\/exceptions\/EX-1$/);
    await alice.getByText('pending', { exact: true }).first().waitFor();
    // alice may not approve her own request: no button for it.
    expect(await alice.getByRole('button', { name: /^Approve/ }).count()).toBe(0);

    // bob approves from his review queue.
    const bob = await signedIn(tokens['bob'] ?? '');
    await go(bob, '#/review');
    // Before deciding, bob sees what approving exempts, read from the cluster and matched as Kyverno does.
    const radius = bob.getByRole('region', { name: 'What it lets through now' });
    await radius.getByText('1 covered, 0 unknown, 1 not covered').waitFor();
    expect(await radius.getByRole('cell', { name: 'Pod payments/payments-api-1' }).count()).toBe(1);
    expect(await radius.getByText('payments-web-1').count()).toBe(0);
    await bob.getByLabel('Comment (required to reject)').fill('risk accepted');
    await bob.getByRole('button', { name: 'Approve EX-1' }).click();
    await bob.getByText('No request waits for a decision.').waitFor();

    // carol applies, then revokes (the image is signed).
    const carol = await signedIn(tokens['carol'] ?? '');
    await go(carol, '#/exceptions/EX-1');
    await carol.getByRole('button', { name: 'Apply', exact: true }).click();
    await carol.getByRole('button', { name: 'Apply EX-1' }).click();
    await carol.getByText('active', { exact: true }).first().waitFor();
    await carol.getByRole('button', { name: 'Revoke', exact: true }).click();
    await carol.getByLabel(/Comment/).fill('image signed');
    await carol.getByRole('button', { name: 'Revoke EX-1' }).click();
    await carol.getByText('removed', { exact: true }).first().waitFor();
    const timeline = await carol.locator('.timeline').textContent();
    for (const step of ['requested by alice', 'approved by bob', 'applied by carol', 'revoked by carol'])
      expect(timeline).toContain(step);
    for (const page of [alice, bob, carol]) expect(problemsOf(page)).toEqual([]);
  });

  it('asks where an exception lives when there is a choice, and shows it on its page', async () => {
    const alice = await signedIn(tokens['alice'] ?? '');
    await go(alice, '#/request');
    const target = alice.getByLabel('Target');
    expect(await target.locator('option').allTextContents()).toEqual([
      'test (cluster, default)',
      'archive (directory)',
    ]);
    await alice.getByLabel('Namespaces').fill('payments');
    await alice.getByLabel('Pod name patterns').fill('payments-web-*');
    await alice.getByLabel('Category').selectOption('legacy-migration');
    await alice.getByLabel('Ticket').fill('MIG-8');
    await alice
      .getByLabel('Reason', { exact: true })
      .fill('Legacy payments images move to the signed pipeline this month');
    await target.selectOption('archive');
    await alice.getByRole('button', { name: 'Request' }).click();
    await alice.waitForURL(/#\/exceptions\/EX-\d+$/);
    const facts = alice.locator('dl.facts');
    await facts.getByText('archive', { exact: true }).waitFor();
    expect(await facts.textContent()).toContain('Targetarchive');
    expect(problemsOf(alice)).toEqual([]);
  });

  it('lets an admin make a token for someone else, who then signs in with it', async () => {
    const admin = await signedIn(server.adminToken);
    await go(admin, '#/tokens');
    await admin.getByLabel('Owner (the identity it acts as)').fill('erin');
    await admin.getByLabel('requester').uncheck();
    await admin.getByLabel('auditor').check();
    await admin.getByRole('button', { name: 'Create token' }).click();
    const secret = (await admin.getByLabel('The new token').textContent()) ?? '';
    expect(secret.length).toBeGreaterThan(30);
    await admin.getByRole('cell', { name: 'erin' }).waitFor();
    const erin = await signedIn(secret);
    expect(await erin.locator('.who').textContent()).toContain('erin (auditor)');
    expect(problemsOf(admin)).toEqual([]);
  });

  it('shows an auditor no action, and the server refuses a forged call', async () => {
    const dave = await signedIn(tokens['dave'] ?? '');
    await go(dave, '#/exceptions/EX-1');
    await dave.getByText('Audit timeline').waitFor();
    expect(await dave.getByRole('heading', { name: 'Actions' }).count()).toBe(0);
    expect(await dave.getByRole('link', { name: 'Request' }).count()).toBe(0);
    const forged = await dave.evaluate(async (token) => {
      const r = await fetch('/api/v1/exceptions/EX-1/escalate', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ comment: 'forged' }),
      });
      return { status: r.status, body: (await r.json()) as { code: string } };
    }, tokens['dave'] ?? '');
    expect(forged).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    // The inventory's search and filters are the server's: in the URL, and empty when nothing matches.
    await go(dave, '#/exceptions');
    await dave.getByLabel('Search').fill('mig-7');
    await dave.getByLabel('Category').selectOption('legacy-migration');
    await dave.getByRole('button', { name: 'Filter' }).click();
    await dave.getByRole('link', { name: 'EX-1' }).waitFor();
    expect(dave.url()).toContain('search=mig-7');
    await go(dave, '#/exceptions?search=nothing-like-it');
    await dave.getByText('No exception matches these filters.').waitFor();
  });

  // A first visit to the inventory draws its rows and filters before React has loaded
  // (web/src/first-paint-start.ts; the store holds EX-1 from the first test). What someone types there
  // meanwhile stays typed, where they were typing, once React has the page; and a filter submitted before
  // then opens the page it names.
  it('keeps what is typed into the inventory before React has taken it over', async () => {
    const visit = async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      // React's chunk waits until the filters have been typed into: the page is the first paint's till then.
      let release = () => undefined as void;
      const held = new Promise<void>((resolve) => (release = resolve));
      await page.route(/\/assets\/boot-[^/]+\.js$/, async (route) => {
        await held;
        await route.continue();
      });
      // As the sign-in form leaves it: the token in the tab's session storage.
      await page.addInitScript(
        (token) => (globalThis as unknown as InPage).sessionStorage.setItem('waiver.token', token),
        tokens['dave'] ?? '',
      );
      await page.goto(`${server.url}/#/exceptions`);
      await page.getByLabel('Search').waitFor();
      expect(await page.title()).toBe('Waiver');
      const reactHasIt = async () => {
        release();
        // React sets the title; the page drawn before it leaves index.html's.
        await page.waitForFunction(
          () => (globalThis as unknown as InPage).document.title === 'Exceptions · Waiver',
        );
      };
      return { page, errors, reactHasIt };
    };

    const typing = await visit();
    // EX-1 was revoked by the story above: the filters below find it, and it alone.
    await typing.page.getByLabel('State').selectOption('removed');
    await typing.page.getByLabel('Search').fill('mig-');
    await typing.reactHasIt();
    expect(await typing.page.getByLabel('Search').inputValue()).toBe('mig-');
    expect(await typing.page.getByLabel('State').inputValue()).toBe('removed');
    expect(
      await typing.page.evaluate(() =>
        (globalThis as unknown as InPage).document.activeElement?.getAttribute('name'),
      ),
    ).toBe('search');
    // Typing goes on in React's form, which sends what the field holds.
    await typing.page.keyboard.type('7');
    await typing.page.keyboard.press('Enter');
    // The filtered page, not the one before it (which listed every exception, EX-1 among them).
    await typing.page.waitForFunction(
      () => (globalThis as unknown as InPage).location.hash === '#/exceptions?state=removed&search=mig-7',
    );
    await typing.page.getByText('Page 1, 1 shown').waitFor();
    await typing.page.getByRole('link', { name: 'EX-1', exact: true }).waitFor();
    expect(typing.errors).toEqual([]);

    const submitting = await visit();
    await submitting.page.getByLabel('Search').fill('nothing-like-it');
    await submitting.page.getByLabel('Search').press('Enter');
    await submitting.page.waitForFunction(
      () => (globalThis as unknown as InPage).location.hash === '#/exceptions?search=nothing-like-it',
    );
    expect(new URL(submitting.page.url()).search).toBe('');
    await submitting.reactHasIt();
    await submitting.page.getByText('No exception matches these filters.').waitFor();
    expect(await submitting.page.getByLabel('Search').inputValue()).toBe('nothing-like-it');
    expect(submitting.errors).toEqual([]);
  });

  it('passes axe-core on every page, at 1280 and 390 pixels wide', async () => {
    const pages = [
      '#/',
      '#/exceptions',
      '#/exceptions/EX-1',
      '#/request',
      '#/review',
      '#/audit',
      '#/report',
      '#/tokens',
    ];
    for (const width of [1280, 390]) {
      const admin = await signedIn(server.adminToken, width);
      for (const hash of pages) {
        await go(admin, hash);
        await admin.locator('main h1').waitFor();
        const violations = await axeViolations(admin);
        expect(violations, `${hash} at ${width}px`).toEqual([]);
        await screenshot(
          admin,
          `${hash.replace(/[#/]+/g, '-').replace(/^-|-$/g, '') || 'dashboard'}-${width}`,
        );
      }
      // The sign-in page too.
      const fresh = await browser.newPage({ viewport: { width, height: 900 } });
      await fresh.goto(server.url);
      await fresh.getByLabel('API token').waitFor();
      expect(await axeViolations(fresh), `sign-in at ${width}px`).toEqual([]);
      await screenshot(fresh, `sign-in-${width}`);
      expect(problemsOf(admin)).toEqual([]);
    }
  });
});
