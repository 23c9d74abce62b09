import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { storeBackends } from './support/databases.js';
import { auditedSettings, seedHistory } from './support/history.js';
import { useTempDir } from './support/temp.js';
import { cli, json, requestArgs } from './support/cli.js';
import { legacyRequest } from './support/requests.js';
import { startTestServer } from './support/server.js';

const tempDir = useTempDir();

describe.each(storeBackends.filter((b) => b.enabled))('controls, risk and closure on $name', (backend) => {
  const dbs = backend.databases();

  it('records each on the request and its ending, in the audit trail, and the trail still verifies', async () => {
    const store = await dbs.open(await dbs.fresh());
    try {
      const { as } = await seedHistory(store);
      const reader = as('erin');
      const views = new Map((await reader.list()).map((v) => [v.id, v]));
      expect(views.get('EX-1')).toMatchObject({
        riskRating: { before: { likelihood: 4, impact: 4 }, after: { likelihood: 2, impact: 3 } },
        compensatingControls: 'Admission logs reviewed daily; egress restricted to the vendor registry',
        controls: auditedSettings.controls['require-image-signature'],
        closureReason: 'superseded-by-renewal',
      });
      // A renewal keeps the rating and the compensating controls it renews.
      expect(views.get('EX-6')).toMatchObject({
        riskRating: views.get('EX-1')?.riskRating,
        compensatingControls: views.get('EX-1')?.compensatingControls,
        closureReason: null,
      });
      expect(Object.fromEntries([...views.values()].map((v) => [v.id, v.closureReason ?? v.state]))).toEqual({
        'EX-1': 'superseded-by-renewal',
        'EX-2': 'expired-and-removed',
        'EX-3': 'revoked',
        'EX-4': 'escalated',
        'EX-5': 'no-longer-needed',
        'EX-6': 'active',
        'EX-7': 'pending',
        'EX-8': 'rejected',
      });
      expect(views.get('EX-2')?.riskRating).toBeNull();
      // A stated false positive is kept on the record as written, and only where one was stated.
      expect(Object.fromEntries([...views.values()].map((v) => [v.id, v.falsePositive]))).toEqual({
        'EX-1': null,
        'EX-2': 'The billing images are signed by the vendor key the policy does not list yet',
        'EX-3': null,
        'EX-4': null,
        'EX-5': null,
        'EX-6': null,
        'EX-7': 'The ui pods run images built and signed in the cluster',
        'EX-8': 'The maps images only look unsigned to the policy',
      });
      expect((await reader.audit('EX-8')).find((e) => e.action === 'requested')?.data).toMatchObject({
        falsePositive: 'The maps images only look unsigned to the policy',
      });

      const requested = (await reader.audit('EX-1')).find((e) => e.action === 'requested');
      expect(requested?.data).toMatchObject({
        riskRating: { before: { likelihood: 4, impact: 4 }, after: { likelihood: 2, impact: 3 } },
        compensatingControls: expect.stringContaining('Admission logs') as unknown,
        controls: auditedSettings.controls['require-image-signature'],
      });
      const closures = (await reader.audit())
        .filter((e) => e.data['closureReason'] !== undefined)
        .map((e) => `${e.exceptionId ?? ''} ${e.action} ${String(e.data['closureReason'])}`);
      expect(closures.sort()).toEqual([
        '1 removed superseded-by-renewal',
        '2 expired expired-and-removed',
        '3 revoked revoked',
        '4 revoked escalated',
        '5 revoked no-longer-needed',
      ]);
      expect((await reader.verifyAudit()).events).toBeGreaterThan(20);
    } finally {
      await store.close();
    }
  });

  it('refuses a rating off the 1-5 scale, naming the field, and creates nothing', async () => {
    const store = await dbs.open(await dbs.fresh());
    try {
      const { as } = await seedHistory(store);
      const before = (await as('erin').list()).length;
      await expect(
        as('alice').request({
          namespaces: ['games'],
          names: ['games-api-*'],
          category: 'legacy-migration',
          ticket: 'MIG-9',
          reason: 'Legacy games images move to the signed pipeline this month',
          expires: '5d',
          riskRating: { before: { likelihood: 6, impact: 2 }, after: null },
        }),
      ).rejects.toMatchObject({ code: 'usage', issues: [{ field: 'riskRating.before.likelihood' }] });
      expect((await as('erin').list()).length).toBe(before);
    } finally {
      await store.close();
    }
  });
});

describe('the control mapping in the configuration', () => {
  const configFile = (text: string) => {
    const path = join(tempDir(), 'waiver.yaml');
    writeFileSync(path, text);
    return path;
  };

  it('maps policies to controls of the known catalogs', async () => {
    const path = configFile(
      'controls:\n  require-image-signature:\n    - {catalog: nist-800-53-rev5, id: si-7}\n    - {catalog: soc2-2017, id: CC8.1}\n',
    );
    const config = await loadConfig({ config: path, as: 'alice' }, {});
    expect(config.settings.controls).toEqual({
      'require-image-signature': [
        { catalog: 'nist-800-53-rev5', id: 'si-7' },
        { catalog: 'soc2-2017', id: 'CC8.1' },
      ],
    });
  });

  it('refuses an unknown catalog in one line naming the key', async () => {
    const path = configFile(
      'controls:\n  require-image-signature:\n    - {catalog: nist-800-53-rev4, id: si-7}\n',
    );
    const refused = await loadConfig({ config: path, as: 'alice' }, {}).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(refused?.code).toBe('usage');
    expect(refused?.message.split('\n')).toHaveLength(1);
    expect(refused?.message).toMatch(/^controls\.require-image-signature\.0\.catalog: .*nist-800-53-rev5/);
  });
});

describe('the CLI', () => {
  it('takes a risk rating and compensating controls, describes them, and revokes with a closure reason', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'gitops'));
    const args = requestArgs('MIG-11', { expires: '5d' });
    const created = json(
      await cli(cwd, [
        ...args,
        '--risk-before',
        '4:5',
        '--risk-after',
        '2:5',
        '--compensating-controls',
        'Network policy denies egress',
        '-o',
        'json',
      ]),
    );
    expect(created).toMatchObject({
      riskRating: { before: { likelihood: 4, impact: 5 }, after: { likelihood: 2, impact: 5 } },
      compensatingControls: 'Network policy denies egress',
      controls: [],
    });
    const bad = await cli(cwd, [...args, '--risk-before', 'high']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--risk-before must be LIKELIHOOD:IMPACT');
    const swapped = await cli(cwd, [...args, '--risk-before', '2:2', '--risk-after', '4:4']);
    expect([swapped.code, swapped.stderr]).toEqual([
      2,
      'error: --risk-after: the risk after compensating controls (4:4) is above the risk before them (2:2)\n',
    ]);
    const outOfScale = await cli(cwd, [...args, '--risk-before', '6:1']);
    expect(outOfScale.stderr).toMatch(/^error: --risk-before \(likelihood\): .*at most 5/);
    expect((await cli(cwd, ['approve', 'EX-1'], { as: 'bob' })).code).toBe(0);
    expect((await cli(cwd, ['apply', 'EX-1'], { as: 'carol' })).code).toBe(0);
    const wrong = await cli(cwd, ['revoke', 'EX-1', '--closure', 'bored']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--closure must be one of revoked, no-longer-needed, escalated');
    expect((await cli(cwd, ['revoke', 'EX-1', '--closure', 'no-longer-needed'])).code).toBe(0);
    const described = (await cli(cwd, ['describe', 'EX-1'])).stdout;
    expect(described).toMatch(/Risk before:\s+likelihood 4\/5, impact 5\/5 \(very-high\)/);
    expect(described).toMatch(/Risk after:\s+likelihood 2\/5, impact 5\/5 \(moderate\)/);
    expect(described).toMatch(/Compensating:\s+Network policy denies egress/);
    expect(described).toMatch(/Closure:\s+no-longer-needed/);
    expect(described).toMatch(/revoked\s+alice\s+closureReason=no-longer-needed/);
    expect(described).toMatch(/False positive:\s+<none>/);
  });

  it('takes a stated false positive, describes it and carries it into the POA&M as pending', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'gitops'));
    const created = json(
      await cli(cwd, [
        ...requestArgs('MIG-12', { expires: '5d' }),
        '--false-positive',
        'The image is signed by a key the policy does not list yet',
        '-o',
        'json',
      ]),
    );
    expect(created).toMatchObject({
      falsePositive: 'The image is signed by a key the policy does not list yet',
    });
    const described = (await cli(cwd, ['describe', 'EX-1'])).stdout;
    expect(described).toMatch(/False positive:\s+The image is signed by a key the policy does not list yet/);
    // A blank claim would be approved as nothing: refused, and nothing filed.
    const blank = await cli(cwd, [...requestArgs('MIG-14', { expires: '5d' }), '--false-positive', '   ']);
    expect([blank.code, blank.stderr]).toEqual([
      2,
      'error: --false-positive: must say why the finding is a false positive (at least 20 characters)\n',
    ]);
    const poam = JSON.parse((await cli(cwd, ['export', 'oscal', '--model', 'poam'])).stdout) as {
      'plan-of-action-and-milestones': { risks: { props: { name: string; value: string }[] }[] };
    };
    const props = poam['plan-of-action-and-milestones'].risks[0]?.props ?? [];
    expect(props.find((p) => p.name === 'false-positive')?.value).toBe('pending');
    expect((await cli(cwd, ['approve', 'EX-1'], { as: 'bob' })).code).toBe(0);
    const approved = JSON.parse(
      (await cli(cwd, ['export', 'oscal', '--model', 'poam'])).stdout,
    ) as typeof poam;
    expect(
      approved['plan-of-action-and-milestones'].risks[0]?.props.find((p) => p.name === 'false-positive')
        ?.value,
    ).toBe('approved');
  });
});

describe('the API', () => {
  it('takes falsePositive on a request, answers it, and refuses one that is not text, naming the field', async () => {
    const dir = tempDir();
    const server = await startTestServer({ database: join(dir, 'w.db'), dir });
    try {
      const alice = await server.token('alice', ['requester']);
      const body = { ...legacyRequest('MIG-13'), falsePositive: 'The pods run images signed in the cluster' };
      const wrong = await server.as(alice)('POST', '/api/v1/exceptions', { ...body, falsePositive: 42 });
      expect(wrong.status).toBe(400);
      expect(wrong.body).toMatchObject({ code: 'usage', field: 'falsePositive' });
      const made = await server.as(alice)('POST', '/api/v1/exceptions', body);
      expect(made.status).toBe(201);
      expect(made.body.exception).toMatchObject({
        id: 'EX-1',
        falsePositive: 'The pods run images signed in the cluster',
      });
      const read = await server.as(alice)('GET', '/api/v1/exceptions/EX-1');
      expect(read.body.falsePositive).toBe('The pods run images signed in the cluster');
    } finally {
      await server.close();
    }
  });
});
