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
import type { FakeKubeApiServer } from '../support/kube/fake-api-server.js';
import type { TestServer } from '../support/server.js';
import { startWebSession, type WebSession } from '../support/web-session.js';

let web: WebSession | undefined;
let browser: Browser;
let server: TestServer;
let cluster: FakeKubeApiServer;
let tokens: Record<string, string>;
const REASON = 'Legacy payments images move to the signed pipeline this month';
const EXCEPTIONS = 'policy-exceptions';

/** A page signed in with a token, failing the test on any CSP violation or script error. */
const signedIn = (token: string, width = 1280): Promise<Page> =>
  signedInPage(browser, server.url, token, { width });

/** The justification every request here gives. */
async function justify(page: Page, names: string, ticket: string): Promise<void> {
  await page.getByLabel('Namespaces').fill('payments');
  await page.getByLabel('Pod name patterns').fill(names);
  await page.getByLabel('Category').selectOption('legacy-migration');
  await page.getByLabel('Ticket').fill(ticket);
  await page.getByLabel('Reason', { exact: true }).fill(REASON);
}

/** Approved by bob and applied by carol, each on the exception's page. */
async function approveAndApply(id: string): Promise<void> {
  for (const [who, verb] of [
    ['bob', 'Approve'],
    ['carol', 'Apply'],
  ] as const) {
    const page = await signedIn(tokens[who] ?? '');
    await go(page, `#/exceptions/${id}`);
    await page.getByRole('button', { name: verb, exact: true }).click();
    await page.getByRole('button', { name: `${verb} ${id}` }).click();
    await page
      .getByText(verb === 'Approve' ? 'approved' : 'active', { exact: true })
      .first()
      .waitFor();
    expect(problemsOf(page)).toEqual([]);
    await page.close();
  }
}

/** The exception's record as the API answers it. */
async function record(
  id: string,
): Promise<{ name: string; policy: string; rules: string[]; kinds: string[]; target: string }> {
  return (await server.as(tokens['carol'] ?? '')('GET', `/api/v1/exceptions/${id}`)).body;
}

// A browser on a busy machine: generous, so only a real failure fails.
describe.skipIf(!chromiumPath)('the request form asks what the CLI asks', () => {
  beforeAll(async () => {
    // Kyverno with its classic and CEL APIs: a Pod-only ClusterPolicy (seeded), an ImageValidatingPolicy,
    // a Deployment and its pods.
    web = await startWebSession({
      name: 'web-request',
      people: { alice: 'requester', bob: 'approver', carol: 'applier' },
      cluster: (cluster) => {
        cluster.seed('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {
          metadata: { name: 'policyexceptions.policies.kyverno.io' },
          spec: { versions: [{ name: 'v1', served: true }] },
        });
        cluster.seed('policies.kyverno.io/v1', 'ImageValidatingPolicy', {
          metadata: { name: 'check-images' },
          spec: {
            matchConstraints: {
              resourceRules: [
                { apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE'] },
              ],
            },
          },
        });
        cluster.seed('apps/v1', 'Deployment', {
          metadata: { name: 'payments-api', namespace: 'payments' },
          spec: { template: { spec: { containers: [] } } },
        });
        for (const name of ['payments-api-7d9f-x2k4l', 'payments-web-1'])
          cluster.seed('v1', 'Pod', { metadata: { name, namespace: 'payments' }, spec: { containers: [] } });
      },
      server: (dir) => ({
        moreTargets: { archive: { kind: 'directory', dir: join(dir, 'archive'), createRoot: true } },
      }),
    });
    ({ browser, server, tokens } = web);
    cluster = web.cluster as FakeKubeApiServer;
  });
  afterAll(() => web?.close());

  it("requests a Deployment exception from the cluster's own policy, its autogen rule shown, then approves and applies it", async () => {
    const alice = await signedIn(tokens['alice'] ?? '');
    await go(alice, '#/request');
    expect(await alice.getByLabel('Target').locator('option').allTextContents()).toEqual([
      'test (cluster, default)',
      'archive (directory)',
    ]);
    const policy = alice.getByLabel('Policy', { exact: true });
    await expect
      .poll(() => policy.locator('option').allTextContents())
      .toEqual(['ImageValidatingPolicy/check-images (CEL)', 'require-image-signature']);
    expect(await policy.inputValue()).toBe('require-image-signature');
    expect(await alice.getByLabel('check-image-signature').isChecked()).toBe(true);
    // No rule chosen is said at once, not left to a silent default.
    await alice.getByLabel('check-image-signature').uncheck();
    await alice.getByText('choose the rules of require-image-signature to except').waitFor();
    await alice.getByLabel('check-image-signature').check();

    await alice.getByLabel('Deployment', { exact: true }).check();
    await alice.getByLabel('Pod', { exact: true }).uncheck();
    await justify(alice, 'payments-api', 'MIG-20');
    const scope = alice.locator('#scope-summary');
    expect(await scope.textContent()).toBe(
      'It will except require-image-signature: rules check-image-signature, autogen-check-image-signature; kinds Deployment, Pod; names payments-api, payments-api-*.',
    );
    expect(await alice.getByLabel('API version').inputValue()).toBe('kyverno.io/v2');
    const yaml = (await alice.locator('pre.yaml').textContent()) ?? '';
    expect(yaml).toContain('apiVersion: kyverno.io/v2');
    expect(yaml).toContain('- autogen-check-image-signature');
    expect(yaml).toContain('- Deployment');

    // `--preview`: what it would let through in the chosen cluster, before anything is filed.
    await alice.getByRole('button', { name: 'Preview what it lets through' }).click();
    const radius = alice.getByRole('region', { name: 'What it would let through' });
    await radius.getByRole('cell', { name: 'Deployment payments/payments-api' }).waitFor();
    expect(await radius.getByRole('cell', { name: 'Pod payments/payments-api-7d9f-x2k4l' }).count()).toBe(1);
    expect(await radius.getByText('payments-web-1').count()).toBe(0);
    await screenshot(alice, 'request-deployment-1280');

    await alice.getByRole('button', { name: 'Request' }).click();
    await alice.waitForURL(/#\/exceptions\/EX-1$/);
    await alice
      .locator('dl.facts')
      .getByText('require-image-signature / check-image-signature, autogen-check-image-signature')
      .waitFor();
    expect(problemsOf(alice)).toEqual([]);

    await approveAndApply('EX-1');
    const applied = await record('EX-1');
    // Written after the apply commits: the API server may hold it a moment later.
    await expect
      .poll(() => cluster.get('policyexceptions.kyverno.io', EXCEPTIONS, applied.name))
      .toBeDefined();
    const object = cluster.get('policyexceptions.kyverno.io', EXCEPTIONS, applied.name);
    expect(object?.['spec'].exceptions).toEqual([
      {
        policyName: 'require-image-signature',
        ruleNames: ['check-image-signature', 'autogen-check-image-signature'],
      },
    ]);
    expect(JSON.stringify(object?.['spec'].match)).toContain('"Deployment"');
  });

  it('requests a CEL exception as policies.kyverno.io/v1, then approves and applies it', async () => {
    const alice = await signedIn(tokens['alice'] ?? '');
    await go(alice, '#/request');
    const policy = alice.getByLabel('Policy', { exact: true });
    await expect.poll(() => policy.locator('option').count()).toBe(2);
    await policy.selectOption('ImageValidatingPolicy/check-images');
    const version = alice.getByLabel('API version');
    expect(await version.inputValue()).toBe('policies.kyverno.io/v1');
    expect(await version.locator('option').allTextContents()).toEqual([
      'policies.kyverno.io/v1',
      'policies.kyverno.io/v1beta1',
    ]);
    await alice.getByText('A CEL policy has no rules: its exception names the whole policy.').waitFor();
    await justify(alice, 'payments-web-*', 'MIG-21');
    expect(await alice.locator('#scope-summary').textContent()).toBe(
      'It will except ImageValidatingPolicy/check-images: the whole policy; kinds Pod; names payments-web-*.',
    );
    const yaml = (await alice.locator('pre.yaml').textContent()) ?? '';
    expect(yaml).toContain('apiVersion: policies.kyverno.io/v1');
    expect(yaml).toContain('kind: ImageValidatingPolicy');
    await alice.getByRole('button', { name: 'Preview what it lets through' }).click();
    await alice
      .getByRole('region', { name: 'What it would let through' })
      .getByRole('cell', { name: 'Pod payments/payments-web-1' })
      .waitFor();
    await alice.getByRole('button', { name: 'Request' }).click();
    await alice.waitForURL(/#\/exceptions\/EX-2$/);
    expect(problemsOf(alice)).toEqual([]);

    await approveAndApply('EX-2');
    const applied = await record('EX-2');
    expect(applied).toMatchObject({ policy: 'ImageValidatingPolicy/check-images', rules: [] });
    await expect
      .poll(() => cluster.get('policyexceptions.policies.kyverno.io', EXCEPTIONS, applied.name)?.['spec'])
      .toMatchObject({ policyRefs: [{ name: 'check-images', kind: 'ImageValidatingPolicy' }] });
  });

  it("offers a folder target the configuration's policies or a typed one, and says calmly that blast radius needs a cluster", async () => {
    const alice = await signedIn(tokens['alice'] ?? '', 390);
    await go(alice, '#/request');
    await alice.getByLabel('Target').selectOption('archive');
    const policy = alice.getByLabel('Policy', { exact: true });
    await expect
      .poll(() => policy.locator('option').allTextContents())
      .toEqual(['require-image-signature', 'Another policy…']);
    const radius = alice.getByRole('region', { name: 'What it would let through' });
    expect(await radius.textContent()).toContain(
      'Blast radius needs a cluster target; see Targets in the README.',
    );
    expect(await radius.getByRole('button').count()).toBe(0);
    await policy.selectOption({ label: 'Another policy…' });
    await alice.getByLabel('Policy name').fill('ValidatingPolicy/no-host-path');
    expect(await alice.getByLabel('API version').inputValue()).toBe('policies.kyverno.io/v1');
    await justify(alice, 'payments-batch-*', 'MIG-22');
    expect(await axeViolations(alice)).toEqual([]);
    await screenshot(alice, 'request-folder-390');
    await alice.getByRole('button', { name: 'Request' }).click();
    await alice.waitForURL(/#\/exceptions\/EX-\d+$/);
    expect(await record(alice.url().split('/').at(-1) ?? '')).toMatchObject({
      policy: 'ValidatingPolicy/no-host-path',
      rules: [],
      target: 'archive',
    });
    expect(problemsOf(alice)).toEqual([]);
  });
});
