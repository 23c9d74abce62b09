import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, go, problemsOf, signedIn as signedInPage } from '../support/browser.js';
import { DEPLOYMENT_POD, PSS_POD, SIBLING_POD, seedViolations } from '../support/kube/violation-fixtures.js';
import type { TestServer } from '../support/server.js';
import { startWebSession, type WebSession } from '../support/web-session.js';

let web: WebSession | undefined;
let browser: Browser;
let server: TestServer;
let tokens: Record<string, string>;

const signedIn = (who: string): Promise<Page> =>
  signedInPage(browser, server.url, tokens[who] ?? '', { width: 1280 });

/** The Violations page's row of a resource. */
const rowOf = (page: Page, name: string) => page.getByRole('row').filter({ hasText: `Pod/payments/${name}` });

describe.skipIf(!chromiumPath)('from a violation to an exception, in the browser', () => {
  beforeAll(async () => {
    web = await startWebSession({
      name: 'web-violations',
      people: { alice: 'requester', bob: 'approver', carol: 'applier' },
      cluster: (cluster) => {
        seedViolations(cluster);
        // The rule as a pattern the review can judge: the failing pod would still fail it without the
        // exception; its sibling, rebuilt from the signed registry, passes anyway.
        cluster.seed('kyverno.io/v1', 'ClusterPolicy', {
          metadata: { name: 'require-image-signature' },
          spec: {
            rules: [
              {
                name: 'check-image-signature',
                match: { any: [{ resources: { kinds: ['Pod'] } }] },
                validate: { pattern: { spec: { containers: [{ image: 'signed.example/*' }] } } },
              },
            ],
          },
        });
        const sibling = cluster.get('pods', 'payments', SIBLING_POD) ?? {};
        cluster.seed('v1', 'Pod', {
          ...sibling,
          spec: { containers: [{ name: 'api', image: 'signed.example/payments/api:1.4' }] },
        });
      },
    });
    ({ browser, server, tokens } = web);
  });
  afterAll(() => web?.close());

  it('violation → drafted request → review shows the evidence → approve → apply → the violation shows covered', async () => {
    const alice = await signedIn('alice');
    await go(alice, '#/violations');
    const row = rowOf(alice, DEPLOYMENT_POD);
    await row.getByText('not covered').waitFor();
    await row.getByRole('link', { name: 'Request an exception' }).click();
    await alice.getByText('Drafted from a violation').waitFor();
    await expect
      .poll(() => alice.getByLabel('Pod name patterns').inputValue())
      .toBe('payments-api-7d9c8b6f5-*');
    expect(await alice.getByLabel('Namespaces').inputValue()).toBe('payments');
    await alice.getByText('No wider than the draft').waitFor();
    // Widening is shown as it is typed, and narrowing back clears it.
    await alice.getByLabel('Pod name patterns').fill('payments-*');
    await alice.getByText('Wider than the draft (names: payments-*)').waitFor();
    await alice.getByLabel('Pod name patterns').fill('payments-api-7d9c8b6f5-*');
    await alice.getByLabel('Ticket').fill('MIG-21');
    await alice
      .getByLabel('Reason', { exact: true })
      .fill('Legacy payments images move to the signed pipeline this month');
    await alice.getByRole('button', { name: 'Request', exact: true }).click();
    await alice.waitForURL(/#\/exceptions\/EX-1$/);
    expect(problemsOf(alice)).toEqual([]);

    const bob = await signedIn('bob');
    await go(bob, '#/review');
    const card = bob.getByRole('article').filter({ hasText: 'EX-1' });
    await card.getByText('Drafted from a violation').waitFor();
    await card
      .getByText(/no signatures found/)
      .first()
      .waitFor();
    await card.getByText('Named by pod-template-hash', { exact: false }).waitFor();
    // The blast radius says, for each resource it covers, whether it would still fail without it.
    const verdicts = card.getByRole('table').filter({ hasText: 'Without the exception' });
    await verdicts
      .getByRole('row')
      .filter({ hasText: DEPLOYMENT_POD })
      .getByText('would fail without it', { exact: true })
      .waitFor();
    await verdicts
      .getByRole('row')
      .filter({ hasText: SIBLING_POD })
      .getByText('passes anyway (exception not needed for this resource)', { exact: true })
      .waitFor();
    await card.getByRole('button', { name: 'Approve EX-1' }).click();
    // Decided: it leaves the pending list.
    await card.waitFor({ state: 'detached' });
    expect(problemsOf(bob)).toEqual([]);

    const carol = await signedIn('carol');
    await go(carol, '#/exceptions/EX-1');
    await carol.getByRole('button', { name: 'Apply', exact: true }).click();
    await carol.getByRole('button', { name: 'Apply EX-1' }).click();
    await carol.getByText('active', { exact: true }).first().waitFor();

    await go(alice, '#/violations');
    await rowOf(alice, DEPLOYMENT_POD)
      .getByText(/covered by .*payments-api/)
      .waitFor();
    expect(problemsOf(alice)).toEqual([]);
  });

  it('a Pod Security violation: the form offers only the failing controls to untick, and the review and detail show what was filed', async () => {
    const alice = await signedIn('alice');
    await go(alice, '#/violations');
    await rowOf(alice, PSS_POD).getByRole('link', { name: 'Request an exception' }).click();
    await alice.getByText('Pod Security controls exempted').waitFor();
    const privileged = alice.getByLabel(
      'Privileged Containers field=spec.containers[*].securityContext.privileged',
    );
    expect(await privileged.isChecked()).toBe(true);
    await privileged.uncheck();
    await alice.getByText('No wider than the draft').waitFor();
    await alice.getByLabel('Ticket').fill('MIG-22');
    await alice
      .getByLabel('Reason', { exact: true })
      .fill('Legacy batch moves to the restricted profile this month');
    await alice.getByRole('button', { name: 'Request', exact: true }).click();
    await alice.waitForURL(/#\/exceptions\/EX-2$/);
    await alice
      .getByText(
        'Capabilities images=registry.example/legacy/proxy:1 field=spec.containers[*].securityContext.capabilities.add values=NET_ADMIN',
      )
      .waitFor();
    expect(await alice.getByText('Privileged Containers').count()).toBe(0);
    expect(problemsOf(alice)).toEqual([]);

    const bob = await signedIn('bob');
    await go(bob, '#/review');
    const card = bob.getByRole('article').filter({ hasText: 'EX-2' });
    await card.getByText('Pod Security controls').waitFor();
    await card.getByText(/Capabilities images=registry\.example\/legacy\/proxy:1/).waitFor();
    expect(problemsOf(bob)).toEqual([]);
  });
});
