import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, chromiumPath, go, problemsOf, signedIn as signedInPage } from '../support/browser.js';
import { legacyRequest } from '../support/requests.js';
import type { TestServer } from '../support/server.js';
import { startWebSession, type WebSession } from '../support/web-session.js';

// Markup and quotes in the expression: the page must show them as text, never as HTML.
const GUARD =
  "object.metadata.name != '<b>x</b>' && object.metadata.?labels['team'].orValue('') == 'payments'";

let web: WebSession | undefined;
let browser: Browser;
let server: TestServer;
let tokens: Record<string, string>;
const signedIn = (who: string): Promise<Page> =>
  signedInPage(browser, server.url, tokens[who] ?? '', { width: 1280 });

describe.skipIf(!chromiumPath)('compensating validations, in the browser', () => {
  beforeAll(async () => {
    web = await startWebSession({ name: 'web-validations', people: { alice: 'requester', bob: 'approver' } });
    ({ browser, server, tokens } = web);
  });
  afterAll(() => web?.close());

  it('shows the reviewer each validation as code, on the review card and the exception page', async () => {
    const filed = await server.as(tokens['alice'] ?? '')('POST', '/api/v1/exceptions', {
      ...legacyRequest('MIG-41'),
      apiVersion: 'policies.kyverno.io/v1',
      policy: 'ValidatingPolicy/require-run-as-non-root',
      compensatingControls: 'Only the payments team deploys here',
      validations: ['true', GUARD],
    });
    expect(filed.status).toBe(201);

    const bob = await signedIn('bob');
    await go(bob, '#/review');
    const card = bob.getByRole('article').filter({ hasText: 'EX-1' });
    await card.getByText('Only the payments team deploys here').waitFor();
    const list = card.getByRole('list', { name: 'Compensating validations' });
    expect(await list.locator('li code').allInnerTexts()).toEqual(['true', GUARD]);
    expect(await card.locator('b').count()).toBe(0);
    expect(await axeViolations(bob)).toEqual([]);

    await go(bob, '#/exceptions/EX-1');
    await bob.getByRole('list', { name: 'Compensating validations' }).getByText(GUARD).waitFor();
    expect(problemsOf(bob)).toEqual([]);
  });
});
