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
const REASON = 'Legacy payments images move to the signed pipeline this month';
const WHY = 'The pods run images signed by a key the policy does not list yet';
const CONTROLS = 'Egress denied by network policy; admission logs reviewed daily';
// Quotes and markup in an expression: it reaches the API and the pages as text.
const GUARD = "object.metadata.?labels['team'].orValue('') == '<b>payments</b>'";

/** A page signed in with a token; every API refusal counts as a problem (`problemsOf`). */
const signedIn = (who: string): Promise<Page> =>
  signedInPage(browser, server.url, tokens[who] ?? '', { width: 1280, refusals: true });

/** The request form for a CEL policy typed by name, its scope and justification filled in. */
async function celRequest(page: Page, ticket: string): Promise<void> {
  await go(page, '#/request');
  await page.getByLabel('Policy', { exact: true }).selectOption({ label: 'Another policy…' });
  await page.getByLabel('Policy name').fill('ValidatingPolicy/no-host-path');
  expect(await page.getByLabel('API version').inputValue()).toBe('policies.kyverno.io/v1');
  await page.getByLabel('Namespaces').fill('payments');
  await page.getByLabel('Pod name patterns').fill('payments-api-*');
  await page.getByLabel('Category').selectOption('legacy-migration');
  await page.getByLabel('Ticket').fill(ticket);
  await page.getByLabel('Reason', { exact: true }).fill(REASON);
}

/** Every POST the page makes to the exceptions collection. */
function posts(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/exceptions') seen.push(r.url());
  });
  return seen;
}

const stored = async (): Promise<unknown[]> =>
  (await server.as(tokens['bob'] ?? '')('GET', '/api/v1/exceptions')).body.items;

describe.skipIf(!chromiumPath)('the request form takes risk, compensating controls and claims', () => {
  beforeAll(async () => {
    web = await startWebSession({
      name: 'web-request-controls',
      people: { alice: 'requester', bob: 'approver' },
    });
    ({ browser, server, tokens } = web);
  });
  afterAll(() => web?.close());

  it('offers validations for a CEL policy only', async () => {
    const alice = await signedIn('alice');
    await go(alice, '#/request');
    await alice.getByLabel('Risk before compensating controls').waitFor();
    expect(await alice.getByLabel('Validations (CEL)').count()).toBe(0);
    await alice.getByLabel('Policy', { exact: true }).selectOption({ label: 'Another policy…' });
    await alice.getByLabel('Policy name').fill('ValidatingPolicy/no-host-path');
    await alice.getByLabel('Validations (CEL)').waitFor();
    expect(problemsOf(alice)).toEqual([]);
    await alice.close();
  });

  it('sends each field as the API names it, and the review card and exception page show them', async () => {
    const alice = await signedIn('alice');
    await celRequest(alice, 'MIG-31');
    await alice.getByLabel('Risk before compensating controls').fill('4:5');
    await alice.getByLabel('Risk after compensating controls').fill('2:5');
    await alice.getByLabel('Compensating controls', { exact: true }).fill(CONTROLS);
    await alice.getByLabel('Validations (CEL)').fill(`has(object.metadata.labels)\n\n${GUARD}\n`);
    await alice.getByLabel('Stated false positive').fill(WHY);
    // The validations are the manifest's match conditions, shown before anything is filed.
    await expect
      .poll(async () => (await alice.locator('pre.yaml').textContent()) ?? '')
      .toContain('has(object.metadata.labels)');
    expect(await axeViolations(alice)).toEqual([]);
    await screenshot(alice, 'request-controls-1280');
    await alice.getByRole('button', { name: 'Request' }).click();
    await alice.waitForURL(/#\/exceptions\/EX-\d+$/);
    const id = alice.url().split('/').at(-1) ?? '';
    expect(problemsOf(alice)).toEqual([]);

    const record = (await server.as(tokens['bob'] ?? '')('GET', `/api/v1/exceptions/${id}`)).body;
    expect(record).toMatchObject({
      policy: 'ValidatingPolicy/no-host-path',
      riskRating: { before: { likelihood: 4, impact: 5 }, after: { likelihood: 2, impact: 5 } },
      compensatingControls: CONTROLS,
      validations: ['has(object.metadata.labels)', GUARD],
      falsePositive: WHY,
    });
    const facts = alice.locator('dl.facts');
    await facts.getByText('likelihood 4/5, impact 5/5 (very-high)').waitFor();
    await facts.getByText(WHY).waitFor();
    await alice.close();

    const bob = await signedIn('bob');
    await go(bob, '#/review');
    const card = bob.getByRole('article').filter({ hasText: id });
    await card
      .getByText('likelihood 4/5, impact 5/5 (very-high) → likelihood 2/5, impact 5/5 (moderate)')
      .waitFor();
    await card.getByText(CONTROLS).waitFor();
    await card.getByText(WHY).waitFor();
    expect(
      await card.getByRole('list', { name: 'Compensating validations' }).locator('li code').allInnerTexts(),
    ).toEqual(['has(object.metadata.labels)', GUARD]);
    expect(await card.locator('b').count()).toBe(0);
    expect(await axeViolations(bob)).toEqual([]);
    expect(problemsOf(bob)).toEqual([]);
    await bob.close();
  });

  it('refuses a rating that rises and a claim that says nothing on their fields, sending nothing', async () => {
    const before = await stored();
    const alice = await signedIn('alice');
    const sent = posts(alice);
    await celRequest(alice, 'MIG-32');
    await alice.getByLabel('Risk before compensating controls').fill('2:5');
    await alice.getByLabel('Risk after compensating controls').fill('4:5');
    await alice.getByLabel('Stated false positive').fill('it is fine');
    await alice.getByRole('button', { name: 'Request' }).click();
    expect(await alice.locator('#e-riskAfter').textContent()).toBe(
      'the risk after compensating controls (4:5) is above the risk before them (2:5)',
    );
    expect(await alice.locator('#e-falsePositive').textContent()).toBe(
      'must say why the finding is a false positive (at least 20 characters)',
    );
    for (const label of ['Risk after compensating controls', 'Stated false positive'])
      expect(await alice.getByLabel(label).getAttribute('aria-invalid')).toBe('true');
    expect(
      await alice.getByLabel('Risk before compensating controls').getAttribute('aria-invalid'),
    ).toBeNull();
    expect(await axeViolations(alice)).toEqual([]);
    expect(alice.url()).toMatch(/#\/request$/);
    expect(sent).toEqual([]);
    expect(await stored()).toEqual(before);
    expect(problemsOf(alice)).toEqual([]);
    await alice.close();
  });

  it("shows the server's refusal of a field by that field, and nothing is stored", async () => {
    const before = await stored();
    const alice = await signedIn('alice');
    const sent = posts(alice);
    await celRequest(alice, 'MIG-33');
    // Longer than the API takes: only the server holds text to its length.
    const long = 'Egress denied. '.repeat(700);
    await alice.getByLabel('Compensating controls', { exact: true }).fill(long);
    await alice.getByRole('button', { name: 'Request' }).click();
    const message = alice.locator('#e-compensatingControls p.error');
    await message.waitFor();
    const refused = await server.as(tokens['alice'] ?? '')('POST', '/api/v1/exceptions', {
      namespaces: ['payments'],
      names: ['payments-api-*'],
      category: 'legacy-migration',
      ticket: 'MIG-33',
      reason: REASON,
      expires: '14d',
      policy: 'ValidatingPolicy/no-host-path',
      compensatingControls: long.trim(),
    });
    expect(refused.status).toBe(400);
    // The API's own words for the field, shown under it.
    expect(refused.body.issues).toEqual([
      expect.objectContaining({ field: 'compensatingControls', message: await message.textContent() }),
    ]);
    expect(await message.textContent()).toMatch(/at most 10000 characters/);
    expect(
      await alice.getByLabel('Compensating controls', { exact: true }).getAttribute('aria-invalid'),
    ).toBe('true');
    expect(alice.url()).toMatch(/#\/request$/);
    expect(sent).toHaveLength(1);
    expect(problemsOf(alice)).toEqual(['400 /api/v1/exceptions']);
    expect(await stored()).toEqual(before);
    await alice.close();
  });
});
