import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, chromiumPath, go, launchChromium, problemsOf, signedIn } from '../support/browser.js';
import { seedCluster } from '../support/kube/cluster.js';
import { FakeKubeApiServer } from '../support/kube/fake-api-server.js';
import { legacyRequest } from '../support/requests.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { ManualClock } from '../support/temp.js';

let dir: string;
let browser: Browser;
let server: TestServer;
let cluster: FakeKubeApiServer;

/** A pod in payments under a run-as-non-root pattern rule: failing until `fixed`. */
const seedPod = (fixed: boolean) =>
  cluster.seed('v1', 'Pod', {
    metadata: { name: 'payments-api-1', namespace: 'payments' },
    spec: {
      ...(fixed ? { securityContext: { runAsNonRoot: true } } : {}),
      containers: [{ name: 'app', image: 'registry.example/payments-api:1.4' }],
    },
  });

describe.skipIf(!chromiumPath)('the detail page says when an exception is no longer needed', () => {
  beforeAll(async () => {
    browser = await launchChromium();
    dir = mkdtempSync(join(tmpdir(), 'waiver-web-still-needed-'));
    cluster = await new FakeKubeApiServer().start();
    seedCluster(cluster);
    cluster.seed('kyverno.io/v1', 'ClusterPolicy', {
      metadata: { name: 'require-run-as-non-root' },
      spec: {
        rules: [
          {
            name: 'run-as-non-root',
            match: { any: [{ resources: { kinds: ['Pod'] } }] },
            validate: { pattern: { spec: { securityContext: { runAsNonRoot: true } } } },
          },
        ],
      },
    });
    seedPod(false);
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, cluster.kubeconfig());
    server = await startTestServer({
      database: join(dir, 'w.db'),
      dir,
      clock: new ManualClock(Date.now()),
      kubeconfig,
    });
  });
  afterAll(async () => {
    await browser.close();
    await server.close();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows each covered pod with its verdict, and the flag once the pod is fixed', async () => {
    const [alice, bob, carol] = await Promise.all([
      server.token('alice', ['requester']),
      server.token('bob', ['approver']),
      server.token('carol', ['applier']),
    ]);
    const filed = await server.as(alice)('POST', '/api/v1/exceptions', {
      ...legacyRequest('MIG-7'),
      policy: 'require-run-as-non-root',
      rules: ['run-as-non-root'],
    });
    expect(filed.status).toBe(201);
    expect((await server.as(bob)('POST', '/api/v1/exceptions/EX-1/approve', {})).status).toBe(200);
    expect((await server.as(carol)('POST', '/api/v1/exceptions/EX-1/apply', {})).status).toBe(200);

    const page = await signedIn(browser, server.url, carol);
    await go(page, '#/exceptions/EX-1');
    const section = page.getByRole('region', { name: 'Still needed?' });
    await section.getByText('0 of the 1 resource(s) it covers would pass without it.').waitFor();
    expect(await section.getByRole('row').nth(1).textContent()).toContain('would-fail');
    expect(await page.locator('[data-flag="no-longer-needed"]').count()).toBe(0);

    seedPod(true);
    const again = await signedIn(browser, server.url, carol);
    await go(again, '#/exceptions/EX-1');
    const flag = again.locator('[data-flag="no-longer-needed"]');
    await flag.waitFor();
    expect(await flag.textContent()).toMatch(
      /^No longer needed: every resource it covers \(1\) would pass require-run-as-non-root without it: revoke it$/,
    );
    const row = await again
      .getByRole('region', { name: 'Still needed?' })
      .getByRole('row')
      .nth(1)
      .textContent();
    expect(row).toContain('Pod payments/payments-api-1');
    expect(row).toContain('would-pass');
    expect(await axeViolations(again)).toEqual([]);
    for (const p of [page, again]) expect(problemsOf(p)).toEqual([]);
  });
});
