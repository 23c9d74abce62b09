import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportSections, type AuditReport } from '../../src/domain/audit-report.js';
import { verifyBundle } from '../../src/service/audit-bundle.js';
import { axeViolations, chromiumPath, go, launchChromium, problemsOf, signedIn } from '../support/browser.js';
import { legacyRequest } from '../support/requests.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { ManualClock } from '../support/temp.js';

let dir: string;
let browser: Browser;
let server: TestServer;
let publicKey: string;
const tokens: Record<string, string> = {};

/** The rows of the page's table under the heading `title`, each as its cells' text. */
async function tableRows(page: Page, title: string): Promise<string[][]> {
  const section = page.getByRole('region', { name: title, exact: true });
  return section
    .locator('tbody tr')
    .evaluateAll((rows) =>
      rows.map((r) =>
        Array.from((r as unknown as { cells: ArrayLike<{ textContent: string | null }> }).cells).map(
          (c) => c.textContent ?? '',
        ),
      ),
    );
}

describe.skipIf(!chromiumPath)('the printable report page', () => {
  beforeAll(async () => {
    browser = await launchChromium();
    dir = mkdtempSync(join(tmpdir(), 'waiver-web-report-'));
    const keys = generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'evidence.pem'), keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    publicKey = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    server = await startTestServer({
      database: join(dir, 'w.db'),
      dir,
      clock: new ManualClock(Date.parse('2026-11-02T09:00:00Z')),
      evidenceKeyFile: join(dir, 'evidence.pem'),
    });
    for (const [name, role] of [
      ['alice', 'requester'],
      ['bob', 'approver'],
      ['carol', 'applier'],
      ['dave', 'auditor'],
    ] as const)
      tokens[name] = await server.token(name, [role]);
    // A history: one revoked, one rejected, one withdrawn, one still active; days apart.
    const as = (who: string) => server.as(tokens[who] ?? '');
    const step = async (who: string, path: string, body: object = {}) => {
      const r = await as(who)('POST', path, body);
      if (r.status >= 300) throw new Error(`${path}: ${r.text}`);
    };
    for (const ticket of ['MIG-1', 'MIG-2', 'MIG-3', 'MIG-4'])
      await step('alice', '/api/v1/exceptions', {
        ...legacyRequest(ticket),
        names: [`${ticket.toLowerCase()}-*`],
      });
    server.clock.advance(86_400_000);
    await step('bob', '/api/v1/exceptions/EX-1/approve');
    await step('bob', '/api/v1/exceptions/EX-2/reject', { comment: 'not a legacy image' });
    await step('alice', '/api/v1/exceptions/EX-3/withdraw');
    await step('bob', '/api/v1/exceptions/EX-4/approve');
    server.clock.advance(86_400_000);
    await step('carol', '/api/v1/exceptions/EX-1/apply');
    await step('carol', '/api/v1/exceptions/EX-4/apply');
    server.clock.advance(3 * 86_400_000);
    await step('carol', '/api/v1/exceptions/EX-1/revoke', { comment: 'image signed now' });
    server.clock.advance(86_400_000);
  });
  afterAll(async () => {
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows the API's figures, prints without navigation, and downloads with the session's token", async () => {
    const api = await server.as(tokens['dave'] ?? '')('GET', '/api/v1/report?format=json');
    expect(api.status).toBe(200);
    const report = api.body as AuditReport;
    // The seeded history, as the API counts it: the page must show these same figures.
    expect(report.duties).toMatchObject({ applied: 2, rejected: 1, withdrawn: 1, allThreeDistinct: 2 });
    expect(report.byCategory['legacy-migration']).toEqual({ opened: 4, closed: 3 });
    expect(report.metrics.activeExceptions).toBe(1);

    const page = await signedIn(browser, server.url, tokens['dave'] ?? '');
    await page.getByRole('link', { name: 'Report' }).click();
    await go(page, '#/report');
    await page.getByRole('heading', { name: 'Separation of duties' }).waitFor();
    const duties = Object.fromEntries(await tableRows(page, 'Separation of duties'));
    expect(duties['exceptions applied']).toBe(String(report.duties.applied));
    expect(duties['requests rejected by a reviewer']).toBe(String(report.duties.rejected));
    expect(duties['requests withdrawn']).toBe(String(report.duties.withdrawn));
    expect(duties['requester, approver and applier all distinct']).toBe(
      String(report.duties.allThreeDistinct),
    );
    const byCategory = await tableRows(page, 'Exceptions opened and closed, by category');
    expect(byCategory).toEqual([['legacy-migration', '4', '3']]);
    const metrics = Object.fromEntries((await tableRows(page, 'Process metrics')).map((r) => [r[0], r]));
    expect(metrics['active exceptions']?.[1]).toBe(String(report.metrics.activeExceptions));
    expect(metrics['trend (per week)']?.[1]).toBe(report.metrics.trend.slope.toFixed(2));
    // Every table, row by row, is the API report's.
    for (const s of reportSections(report)) expect(await tableRows(page, s.title), s.title).toEqual(s.rows);
    expect(await page.locator('[data-figure="period"]').textContent()).toBe(
      `the beginning to ${report.period.to}`,
    );
    const chart = await page
      .getByRole('img', { name: /^Active exceptions per week/ })
      .getAttribute('aria-label');
    expect(chart).toContain(report.metrics.trend.weekly.join(', '));
    expect(await axeViolations(page)).toEqual([]);

    // Printed: the period and generation time on top, no navigation, no controls.
    await page.emulateMedia({ media: 'print' });
    expect(await page.getByRole('navigation', { name: 'Pages' }).isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Print' }).isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Markdown' }).isVisible()).toBe(false);
    expect(await page.locator('.report-head').textContent()).toMatch(
      /^Period: the beginning to .+\. Generated .+\.$/,
    );
    expect(await page.getByRole('heading', { name: 'Separation of duties' }).isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });
    expect(await page.getByRole('navigation', { name: 'Pages' }).isVisible()).toBe(true);

    // Downloads go through the signed-in client: the file is the API's answer for the same period.
    for (const [button, path] of [
      ['Markdown', '/api/v1/report?format=md'],
      ['OSCAL POA&M', '/api/v1/export/oscal?model=poam'],
    ] as const) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: button, exact: true }).click(),
      ]);
      const file = join(dir, download.suggestedFilename());
      await download.saveAs(file);
      expect(readFileSync(file, 'utf8'), button).toBe(
        (await server.as(tokens['dave'] ?? '')('GET', path)).text,
      );
    }
    // An auditor takes away the bundle the server signs; it verifies with the public key alone.
    const [bundle] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Signed evidence bundle' }).click(),
    ]);
    const bundleFile = join(dir, bundle.suggestedFilename());
    await bundle.saveAs(bundleFile);
    const check = verifyBundle(readFileSync(bundleFile), publicKey);
    expect(check.problems).toEqual([]);
    expect(check.verified).toContain('report/report.json');
    expect(problemsOf(page)).toEqual([]);
  });

  it('reports the period picked, and names a bad one as the server does', async () => {
    const page = await signedIn(browser, server.url, tokens['alice'] ?? '');
    await go(page, '#/report');
    // Only an auditor (or an admin) has the server sign a bundle.
    expect(await page.getByRole('button', { name: 'Signed evidence bundle' }).count()).toBe(0);
    await page.getByLabel('From', { exact: true }).fill('2026-11-03T00:00');
    await page.getByLabel('To', { exact: true }).fill('2026-11-10T00:00');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.waitForURL(/from=2026-11-03T00%3A00/);
    await go(page, page.url().slice(page.url().indexOf('#')));
    const from = await page.evaluate(() => new Date('2026-11-03T00:00').toISOString());
    const to = await page.evaluate(() => new Date('2026-11-10T00:00').toISOString());
    const api = await server.as(tokens['alice'] ?? '')(
      'GET',
      `/api/v1/report?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
    );
    const report = api.body as AuditReport;
    await page.locator('[data-figure="period"]').getByText(report.period.to).waitFor();
    // Only the revocation falls in the period; nothing was requested in it.
    expect(report.byCategory['legacy-migration']).toEqual({ opened: 0, closed: 1 });
    for (const s of reportSections(report)) expect(await tableRows(page, s.title), s.title).toEqual(s.rows);

    await go(page, '#/report?from=2026-11-10T00:00&to=2026-11-03T00:00');
    await page.getByRole('alert').getByText('must be before the end of the period (to)').waitFor();
  });
});
