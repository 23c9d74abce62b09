import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportHtml, reportMarkdown, type AuditReport } from '../src/domain/audit-report.js';
import { openStore } from '../src/wire/deps.js';
import { cli, json } from './support/cli.js';
import { seedHistory } from './support/history.js';
import { startTestServer } from './support/server.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const period = { from: '2026-11-01T00:00:00Z', to: '2026-11-24T00:00:00Z' };

describe('the audit report', () => {
  it('counts the period and carries the metrics `metrics` gives for the same instant', async () => {
    const { as } = await seedHistory();
    const report = await as('erin').report(period);
    expect(report.metrics).toEqual(await as('erin').metrics(Date.parse(period.to)));
    expect(report.byCategory).toEqual({ 'legacy-migration': { opened: 8, closed: 6 } });
    expect(report.byPolicy).toEqual({ 'require-image-signature': { opened: 8, closed: 6 } });
    expect(report.byControl).toEqual({
      'nist-800-53-rev5 si-7': { opened: 8, closed: 6 },
      'nist-800-53-rev5 cm-14': { opened: 8, closed: 6 },
      'iso-27001-2022 A.8.7': { opened: 8, closed: 6 },
    });
    expect(report.closures).toEqual({
      'expired-and-removed': 1,
      revoked: 1,
      'no-longer-needed': 1,
      'superseded-by-renewal': 1,
      escalated: 1,
    });
    expect(report.renewals).toEqual({ requested: 1, applied: 1 });
    expect(report.duties).toEqual({
      applied: 6,
      requesterNotApprover: 6,
      approverNotApplier: 6,
      allThreeDistinct: 6,
      rejected: 1,
      withdrawn: 0,
    });
    expect(report.verification).toMatchObject({ intact: true });
    expect(report.checkpoint.status).toBe('not-given');
    // A shorter period counts less; the metrics move to its end.
    const early = await as('erin').report({ to: '2026-11-10T00:00:00Z' });
    expect(early.byCategory).toEqual({ 'legacy-migration': { opened: 5, closed: 0 } });
    expect(early.metrics).toEqual(await as('erin').metrics(Date.parse('2026-11-10T00:00:00Z')));
    await expect(as('erin').report({ from: 'last week' })).rejects.toMatchObject({
      code: 'usage',
      field: 'from',
    });
  });

  it('escapes what it prints: HTML and Markdown', async () => {
    const { as } = await seedHistory();
    const report: AuditReport = await as('erin').report(period);
    const hostile = { ...report, byPolicy: { '<script>alert(1)</script>|x': { opened: 1, closed: 0 } } };
    const html = reportHtml(hostile);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;|x');
    expect(reportMarkdown(hostile)).toContain('<script>alert(1)</script>\\|x | 1 | 0 |');
    expect(html).toContain('requester, approver and applier all distinct</td><td>6</td>');
  });

  it('prints from the CLI, checks a checkpoint, and answers over the API', async () => {
    const dir = tempDir();
    const database = join(dir, 'w.db');
    const store = await openStore(database);
    try {
      await seedHistory(store);
    } finally {
      await store.close();
    }
    const keys = generateKeyPairSync('ed25519');
    const other = generateKeyPairSync('ed25519');
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const privateKey = file('key.pem', keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const publicKey = file('key.pub.pem', keys.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const otherKey = file(
      'other.pub.pem',
      other.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    );
    const checkpoint = file(
      'checkpoint.json',
      (await cli(dir, ['audit', 'checkpoint', '--private-key', privateKey])).stdout,
    );
    const args = ['report', '--from', period.from, '--to', period.to];

    const verified = json<AuditReport>(
      await cli(dir, [...args, '-o', 'json', '--checkpoint', checkpoint, '--public-key', publicKey]),
    );
    expect(verified.checkpoint).toMatchObject({ status: 'verified' });
    const failed = json<AuditReport>(
      await cli(dir, [...args, '-o', 'json', '--checkpoint', checkpoint, '--public-key', otherKey]),
    );
    expect(failed.checkpoint).toEqual({
      status: 'failed',
      message: 'the checkpoint is not signed by this public key',
    });
    const html = await cli(dir, [...args, '-o', 'html']);
    expect(html.stdout).toMatch(/^<!doctype html>/);
    expect(html.stdout).toContain('intact: ');
    expect((await cli(dir, [...args])).stdout).toContain('| renewal rate |');
    expect((await cli(dir, [...args, '-o', 'yaml'])).code).toBe(2);

    const server = await startTestServer({ database, dir });
    try {
      const auditor = server.as(await server.token('erin', ['auditor']));
      const md = await auditor('GET', `/api/v1/report?format=md&from=${period.from}&to=${period.to}`);
      expect(md.status).toBe(200);
      expect(md.headers.get('content-type')).toContain('text/markdown');
      expect(md.text).toContain('| requester, approver and applier all distinct | 6 |');
      expect(md.text).toContain(
        '| newest checkpoint | not-given: no checkpoint was given to check the trail against |',
      );
      const asJson = await auditor('GET', `/api/v1/report?to=${period.to}`);
      expect((asJson.body as AuditReport).metrics.at).toBe(verified.metrics.at);
    } finally {
      await server.close();
    }
  });
});
