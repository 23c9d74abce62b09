import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import BetterSqlite3 from 'better-sqlite3';
import { parse } from 'yaml';
import { beforeEach, describe, expect, it } from 'vitest';
import { BIN, cli, json, requestArgs as requestArgsFor, runProcess, snapshot } from './support/cli.js';
import { requestTemplate } from './support/requests.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
let cwd: string;
beforeEach(() => {
  cwd = tempDir();
  mkdirSync(join(cwd, 'gitops'));
});

const inDays = (days: number): string =>
  new Date(Date.now() + days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const requestArgs = requestArgsFor('INC-4521', {
  category: 'emergency-hotfix',
  reason: 'Payment outage hotfix; the signing service is down during the incident',
  expires: '5d',
});
const item = async (id: string) =>
  json<{ items: Record<string, unknown>[] }>(await cli(cwd, ['get', id, '-o', 'json'])).items[0];
const manifestPath = (name: string) => join(cwd, 'gitops', 'policy-exceptions', `${name}.yaml`);

async function requestApproveApply(): Promise<Record<string, unknown>> {
  const created = json(await cli(cwd, [...requestArgs, '-o', 'json'], { as: 'alice' }));
  expect(
    (await cli(cwd, ['approve', String(created['id']), '--comment', 'risk accepted'], { as: 'bob' })).code,
  ).toBe(0);
  expect((await cli(cwd, ['apply', String(created['id'])], { as: 'carol' })).code).toBe(0);
  return created;
}

describe('waiver CLI, in-process through main()', () => {
  it('takes a normal exception from request to removal at expiry', async () => {
    const created = await requestApproveApply();
    expect(created).toMatchObject({
      id: 'EX-1',
      state: 'pending',
      name: 'payments-api-inc-4521',
      requestor: 'alice',
      renewalCount: 0,
    });
    const active = await item('EX-1');
    for (const key of [
      'id',
      'name',
      'state',
      'policy',
      'rules',
      'kinds',
      'namespaces',
      'names',
      'category',
      'ticket',
      'reason',
      'requestor',
      'approver',
      'applier',
      'requestedAt',
      'approvedAt',
      'appliedAt',
      'expiresAt',
      'removedAt',
      'endReason',
      'syncStatus',
      'renewalOf',
      'renewalCount',
    ]) {
      expect(active, key).toHaveProperty(key);
    }
    expect(active).toMatchObject({
      state: 'active',
      approver: 'bob',
      applier: 'carol',
      syncStatus: 'synced',
    });
    const expiresAt = String(active?.['expiresAt']);
    expect(expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const onDisk = parse(readFileSync(manifestPath('payments-api-inc-4521'), 'utf8')) as Record<string, any>;
    expect(onDisk['spec'].conditions.all[0]).toEqual({
      key: `{{ time_before('{{ time_now_utc() }}', '${expiresAt}') }}`,
      operator: 'Equals',
      value: true,
    });
    expect(onDisk['metadata'].annotations['risk-acceptance']).toBe('bob');
    expect((await cli(cwd, ['render', 'EX-1'])).stdout).toBe(
      readFileSync(manifestPath('payments-api-inc-4521'), 'utf8'),
    );
    const folderLint = await cli(cwd, ['lint', join(cwd, 'gitops')]);
    expect(folderLint).toMatchObject({ code: 0 });
    expect(folderLint.stdout).toBe('1 file(s), 1 PolicyException(s), 0 error(s), 0 warning(s)\n');
    // A file of other kinds passes, and says that nothing was checked.
    writeFileSync(join(cwd, 'configmap.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n');
    expect(await cli(cwd, ['lint', join(cwd, 'configmap.yaml')])).toMatchObject({
      code: 0,
      stdout:
        '1 file(s), 0 PolicyException(s), 0 error(s), 0 warning(s) (no PolicyException found: nothing was checked)\n',
    });

    const beforeExpiry = new Date(Date.parse(expiresAt) - 3_600_000).toISOString();
    const remind = await cli(cwd, ['sweep', '--now', beforeExpiry, '-o', 'json'], { as: 'carol' });
    expect(json(remind)).toMatchObject({ reminded: ['EX-1'], expired: [] });
    expect(remind.stderr).toContain('reminder: EX-1');
    expect(json(await cli(cwd, ['get', '--expiring-within', '7d', '-o', 'json'])).items).toHaveLength(1);

    const after = new Date(Date.parse(expiresAt) + 60_000).toISOString();
    // The summary says what it removed, and from where: the manifest of the expired exception.
    const swept = await cli(cwd, ['sweep', '--now', after], { as: 'carol' });
    expect(swept.stdout).toBe(
      `sweep as of ${after.replace(/\.\d+Z$/, 'Z')}\nexpired   EX-1 (payments-api-inc-4521 removed from folder)\n`,
    );
    expect(existsSync(manifestPath('payments-api-inc-4521'))).toBe(false);
    expect(await item('EX-1')).toMatchObject({ state: 'removed', endReason: 'expired' });
    const before = snapshot(cwd);
    expect(json(await cli(cwd, ['sweep', '--now', after, '-o', 'json'], { as: 'carol' }))).toMatchObject({
      expired: [],
      reminded: [],
      removed: [],
    });
    expect((await cli(cwd, ['sweep', '--now', after], { as: 'carol' })).stdout).toMatch(/\nnothing to do\n$/);
    expect(snapshot(cwd)).toBe(before);

    const verify = await cli(cwd, ['audit', '--verify']);
    expect(verify).toMatchObject({ code: 0 });
    expect(verify.stdout).toContain('6 events verified');
    const metrics = json(await cli(cwd, ['metrics', '-o', 'json', '--now', after]));
    expect(metrics).toMatchObject({
      activeExceptions: 0,
      expiredRemovedRate: 1,
      renewalRate: 0,
      redFlag: false,
    });
    expect(metrics).toHaveProperty('trend.slope');
    expect(metrics).toHaveProperty('targets.averageDurationDays.target', 14);
    const described = (await cli(cwd, ['describe', 'EX-1'])).stdout;
    expect(described).toMatch(/approved\s+bob\s+comment=risk accepted/);
  });

  it('revokes an active exception', async () => {
    await requestApproveApply();
    const revoked = json(
      await cli(cwd, ['revoke', 'EX-1', '--comment', 'image signed now', '-o', 'json'], { as: 'bob' }),
    );
    expect(revoked).toMatchObject({ state: 'removed', endReason: 'revoked', syncStatus: 'synced' });
    expect(existsSync(manifestPath('payments-api-inc-4521'))).toBe(false);
    expect((await cli(cwd, ['revoke', 'EX-1'], { as: 'bob' })).code).toBe(3);
    // Ended before its expiry: describe does not count down to an expiry that will never come.
    expect((await cli(cwd, ['describe', 'EX-1'])).stdout).toMatch(/Expires:\s+\S+ \(not reached: removed\)/);
  });

  it('runs a renewal chain up to its limit, then only escalation', async () => {
    await requestApproveApply();
    const reasons = [
      'The incident follow-up needs two more days to land the signed build',
      'The signed build failed verification; rebuilding with the new key',
    ];
    for (const [i, reason] of reasons.entries()) {
      const renewal = json(
        await cli(cwd, ['renew', `EX-${i + 1}`, '--reason', reason, '--expires', '5d', '-o', 'json'], {
          as: 'alice',
        }),
      );
      expect(renewal).toMatchObject({
        id: `EX-${i + 2}`,
        renewalOf: `EX-${i + 1}`,
        renewalCount: i + 1,
        state: 'pending',
      });
      expect((await cli(cwd, ['approve', `EX-${i + 2}`], { as: 'bob' })).code).toBe(0);
      expect((await cli(cwd, ['apply', `EX-${i + 2}`], { as: 'carol' })).code).toBe(0);
      expect(await item(`EX-${i + 1}`)).toMatchObject({ state: 'removed', endReason: 'superseded' });
    }
    const before = snapshot(cwd);
    const third = await cli(
      cwd,
      ['renew', 'EX-3', '--reason', 'Still waiting on the vendor to publish signatures', '--expires', '5d'],
      { as: 'alice' },
    );
    expect(third.code).toBe(3);
    expect(third.stderr).toContain('renewalOf');
    expect(snapshot(cwd)).toBe(before);
    const same = await cli(cwd, ['renew', 'EX-3', '--reason', reasons[1] ?? '', '--expires', '5d'], {
      as: 'alice',
    });
    expect(same.code).toBe(3);
    expect(
      (await cli(cwd, ['escalate', 'EX-3', '--comment', 'needs a policy change'], { as: 'bob' })).code,
    ).toBe(0);
    expect(await item('EX-3')).toMatchObject({ state: 'active', escalated: true });
    expect(existsSync(manifestPath('payments-api-inc-4521'))).toBe(true);
  });

  it('approves and applies several at once, one line an id, and exits with the first refusal', async () => {
    for (const [ns, ticket] of [
      ['payments', 'MIG-1'],
      ['payments', 'MIG-2'],
      ['checkout', 'MIG-3'],
    ] as const) {
      const args = requestArgsFor(ticket);
      args[args.indexOf('payments')] = ns;
      expect((await cli(cwd, args, { as: 'alice' })).code).toBe(0);
    }
    const approved = await cli(cwd, ['approve', 'EX-1', 'EX-9', 'EX-2', 'EX-3', '--comment', 'ok'], {
      as: 'bob',
    });
    expect(approved.stdout).toBe(
      [
        'EX-1 (payments-api-mig-1) approved: approved',
        'EX-2 (payments-api-mig-2) approved: approved',
        'EX-3 (checkout-payments-api-mig-3) approved: approved',
        '',
      ].join('\n'),
    );
    expect(approved.stderr).toBe(
      'error: EX-9: no exception "EX-9" (use an id such as EX-42, or a name)\nerror: 1 of 4 not approved\n',
    );
    expect(approved.code).toBe(1);

    const inPayments = await cli(cwd, ['apply', '--all-approved', '-n', 'payments', '-o', 'name'], {
      as: 'carol',
    });
    expect(inPayments).toMatchObject({ code: 0, stdout: 'EX-1\nEX-2\n' });
    expect(existsSync(manifestPath('payments-api-mig-2'))).toBe(true);
    const rest = json<{ action: string; items: { ref: string; ok: boolean }[] }>(
      await cli(cwd, ['apply', '--all-approved', '-o', 'json'], { as: 'carol' }),
    );
    expect(rest).toMatchObject({ action: 'apply', items: [{ ref: 'EX-3', ok: true }] });
    const none = await cli(cwd, ['apply', '--all-approved'], { as: 'carol' });
    expect(none).toMatchObject({ code: 0, stdout: '', stderr: 'No approved exceptions to apply.\n' });

    const before = snapshot(cwd);
    for (const args of [
      ['apply'],
      ['apply', 'EX-1', '--all-approved'],
      ['apply', 'EX-1', '-n', 'payments'],
    ]) {
      const wrong = await cli(cwd, args, { as: 'carol' });
      expect(wrong.code, args.join(' ')).toBe(2);
      expect(wrong.stderr).toMatch(/^error: .*(--all-approved|name an exception)/);
    }
    expect(snapshot(cwd)).toBe(before);
  });

  it('refuses a self-approval and changes nothing', async () => {
    await cli(cwd, requestArgs, { as: 'alice' });
    const before = snapshot(cwd);
    const result = await cli(cwd, ['approve', 'EX-1'], { as: 'alice' });
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      'error: alice requested EX-1 and cannot approve it: a second person must review\n',
    );
    expect(snapshot(cwd)).toBe(before);
  });

  it('stops describe, as evidence, when --reports-from asks for reports no cluster here has', async () => {
    await cli(cwd, requestArgs, { as: 'alice' });
    expect((await cli(cwd, ['describe', 'EX-1'])).stdout).toContain('Evidence:         <no cluster: ');
    for (const command of [['describe'], ['evidence']]) {
      const asked = await cli(cwd, [...command, 'EX-1', '--reports-from', 'nowhere']);
      expect([asked.code, asked.stdout]).toEqual([2, '']);
      expect(asked.stderr).toMatch(
        /^error: evidence reads the cluster's policy reports, and no cluster is configured/,
      );
    }
  });

  it("marks in renew's help the flags it will not run without", async () => {
    const help = (await cli(cwd, ['renew', '--help'])).stdout;
    const refused = await cli(cwd, ['renew', 'EX-1']);
    expect(refused.code).toBe(2);
    for (const flag of ['--reason', '--expires']) {
      expect(refused.stderr).toContain(`error: ${flag} is required`);
      expect(help).toMatch(new RegExp(`^ +${flag} <\\w+> +required: `, 'm'));
    }
    expect(help).not.toMatch(/^ +--ticket <\w+> +required: /m);
  });

  it('refuses a transition the state does not allow in words about the exception, not a flag', async () => {
    await cli(cwd, requestArgs, { as: 'alice' });
    const result = await cli(cwd, ['apply', 'EX-1'], { as: 'carol' });
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      'error: cannot apply EX-1: it is pending; apply takes an approved exception\n',
    );
    const escalated = await cli(cwd, ['escalate', 'EX-1', '--comment', 'needs a policy change'], {
      as: 'bob',
    });
    expect(escalated.code).toBe(3);
    expect(escalated.stderr).toBe(
      'error: cannot escalate EX-1: it is pending; escalate takes an active exception\n',
    );
    const approved = await cli(cwd, ['withdraw', 'EX-1'], { as: 'alice' });
    expect(approved.code).toBe(0);
    expect((await cli(cwd, ['approve', 'EX-1'], { as: 'bob' })).stderr).toBe(
      'error: cannot approve EX-1: it is withdrawn; approve takes a pending exception\n',
    );
  });

  it('takes a name in another case for the same person, unless identitiesIgnoreCase is off', async () => {
    await cli(cwd, requestArgs, { as: 'alice' });
    const before = snapshot(cwd);
    const result = await cli(cwd, ['approve', 'EX-1'], { as: 'Alice' });
    expect(result).toMatchObject({
      code: 3,
      stderr: 'error: Alice requested EX-1 and cannot approve it: a second person must review\n',
    });
    expect(snapshot(cwd)).toBe(before);
    writeFileSync(join(cwd, 'waiver.yaml'), 'identitiesIgnoreCase: false\n');
    const env = { WAIVER_CONFIG: join(cwd, 'waiver.yaml') };
    expect((await cli(cwd, ['approve', 'EX-1'], { as: 'Alice', env })).code).toBe(0);
  });

  it('refuses a vendor image without a risk assessment and changes nothing', async () => {
    await cli(cwd, requestArgs, { as: 'alice' });
    const before = snapshot(cwd);
    const result = await cli(cwd, [
      'request',
      '-n',
      'shop',
      '--name',
      'vendor-db-*',
      '--category',
      'vendor-image',
      '--ticket',
      'SEC-9',
      '--reason',
      'Vendor database image ships unsigned until their next release',
      '--expires',
      '14d',
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /^error: --risk-assessment: a vendor image needs a risk assessment \(a link or text\) \[risk-assessment-required\]\n$/,
    );
    expect(snapshot(cwd)).toBe(before);
  });

  it('reads the process template filled in, and renders its expiry in the working form', async () => {
    const expiry = inDays(10);
    const template = `apiVersion: kyverno.io/v2beta1
kind: PolicyException
metadata:
  name: vendor-scanner
  annotations:
    requestor: alice@example.com
    jira-ticket: SEC-77
    reason: Third-party scanner image is unsigned; vendor signs from v5 on
    risk-acceptance: ""
    expiry-reminder: ""
spec:
  exceptions:
  - policyName: require-image-signature
    ruleNames:
    - check-image-signature
  match:
    any:
    - resources:
        kinds:
          - Pod
        namespaces:
          - security-tools
        names:
          - scanner-*
  conditions:
    all:
    - key: "{{time_now_utc()}}"
      operator: LessThan
      value: "${expiry}"
`;
    writeFileSync(join(cwd, 'request.yaml'), template);
    const lint = await cli(cwd, ['lint', join(cwd, 'request.yaml'), '-o', 'json']);
    expect(lint.code).toBe(1);
    expect(JSON.parse(lint.stdout)).toMatchObject({ errors: 3 });
    const created = json(
      await cli(cwd, [
        'request',
        '-f',
        join(cwd, 'request.yaml'),
        '--category',
        'vendor-image',
        '--risk-assessment',
        'RA-12 accepted',
        '-o',
        'json',
      ]),
    );
    expect(created).toMatchObject({
      name: 'vendor-scanner',
      namespaces: ['security-tools'],
      names: ['scanner-*'],
      ticket: 'SEC-77',
      expiresAt: expiry,
    });
    expect((await cli(cwd, ['approve', 'vendor-scanner'], { as: 'bob' })).code).toBe(0);
    const rendered = (await cli(cwd, ['render', 'vendor-scanner'])).stdout;
    expect(rendered).toContain(`time_before('{{ time_now_utc() }}', '${expiry}')`);
    const clean = await cli(cwd, ['lint', '-'], { input: rendered });
    expect(clean).toMatchObject({ code: 0 });
    expect(clean.stdout).toContain('0 error(s)');
  });

  it('shows a bidirectional override in a reason as its escape in describe, not as the reordering it asks for', async () => {
    const reason = 'Legacy images move \u202eto the signed pipeline during the migration';
    const args = requestArgsFor('MIG-202', { category: 'legacy-migration', reason, expires: '10d' });
    const id = String(json(await cli(cwd, [...args, '-o', 'json'], { as: 'alice' }))['id']);
    const described = (await cli(cwd, ['describe', id])).stdout;
    expect(described).toContain('Reason:           Legacy images move \\u202eto the signed pipeline');
    expect(described).not.toContain('\u202e');
    // The record keeps the text as given: only the terminal's view escapes it.
    expect(
      json<{ exception: { reason: string } }>(await cli(cwd, ['describe', id, '-o', 'json'])).exception
        .reason,
    ).toBe(reason);
  });

  it('writes a reason holding U+2028 so that kubectl reads it as one text, and lint refuses the raw separator', async () => {
    const reason = 'Legacy images move to the signed pipeline\u2028tail: during the migration';
    const args = requestArgsFor('MIG-2028', { category: 'legacy-migration', reason, expires: '10d' });
    const created = json(await cli(cwd, [...args, '-o', 'json'], { as: 'alice' }));
    expect(created['reason']).toBe(reason);
    expect((await cli(cwd, ['approve', String(created['id'])], { as: 'bob' })).code).toBe(0);
    const rendered = (await cli(cwd, ['render', String(created['id'])])).stdout;
    expect(rendered).not.toMatch(/[\u2028\u2029]/);
    expect(rendered).toContain(
      '"Legacy images move to the signed pipeline\\u2028tail: during the migration"',
    );
    expect((await cli(cwd, ['lint', '-'], { input: rendered })).code).toBe(0);
    // The same file with the separator written raw: YAML 1.1 readers would end the reason at it.
    const raw = rendered.replace(/"([^"\n]*)\\u2028([^"\n]*)"/, '$1\u2028$2');
    expect(raw).toContain('\u2028');
    const refused = await cli(cwd, ['lint', '-'], { input: raw });
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toMatch(/line \d+: a raw U\+2028 LINE SEPARATOR, which kubectl/);
  });

  it('reads podSecurity entries from a request file, shows them in describe and renders them; a bad one is refused by its field', async () => {
    const template = (entry: string) => `apiVersion: kyverno.io/v2
kind: PolicyException
metadata:
  name: legacy-batch
  annotations:
    jira-ticket: MIG-51
    reason: Legacy batch moves to the restricted profile this month
spec:
  exceptions:
  - policyName: pod-security
    ruleNames: [baseline]
  match:
    any:
    - resources: {kinds: [Pod], namespaces: [payments], names: [legacy-batch]}
  podSecurity:
${entry}
`;
    const file = join(cwd, 'pss.yaml');
    const flags = ['--category', 'legacy-migration', '--expires', '10d'];
    writeFileSync(file, template('  - controlName: Privileged Containers'));
    const bad = await cli(cwd, ['request', '-f', file, ...flags]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('podSecurity.0.images');
    expect(bad.stderr).toContain('container level control');
    expect(json<{ items: unknown[] }>(await cli(cwd, ['get', '-o', 'json'])).items).toEqual([]);
    writeFileSync(
      file,
      template(`  - controlName: Capabilities
    images: [registry.example/legacy/proxy:1]
    restrictedField: spec.containers[*].securityContext.capabilities.add
    values: [NET_ADMIN]`),
    );
    expect((await cli(cwd, ['request', '-f', file, ...flags])).code).toBe(0);
    const described = (await cli(cwd, ['describe', 'legacy-batch'])).stdout;
    expect(described).toMatch(
      /Pod Security: +Capabilities images=registry\.example\/legacy\/proxy:1 field=spec\.containers\[\*\]\.securityContext\.capabilities\.add values=NET_ADMIN\n/,
    );
    expect((await cli(cwd, ['approve', 'legacy-batch'], { as: 'bob' })).code).toBe(0);
    const rendered = (await cli(cwd, ['render', 'legacy-batch'])).stdout;
    expect(rendered).toContain('  podSecurity:\n    - controlName: Capabilities\n');
    expect((await cli(cwd, ['lint', '-'], { input: rendered })).code).toBe(0);
  });

  it('requests every template of a --- separated file in one batch, or none, naming a bad document', async () => {
    const file = join(tempDir(), 'requests.yaml');
    const templates = ['shop', 'billing', 'search'].map((ns, i) => requestTemplate(ns, `MIG-${i}`));
    const flags = ['--category', 'legacy-migration', '--expires', '14d'];

    writeFileSync(
      file,
      [templates[0], requestTemplate('billing', 'MIG-1', 'too short'), templates[2]].join('---\n'),
    );
    const short = await cli(cwd, ['request', '-f', file, ...flags]);
    expect(short.code).toBe(3);
    expect(short.stderr).toMatch(/^error: \S+requests\.yaml document 2: --reason: .*\n$/);
    writeFileSync(file, [templates[0], 'kind: ConfigMap\n', templates[2]].join('---\n'));
    expect((await cli(cwd, ['request', '-f', file, ...flags])).stderr).toMatch(
      /document 2: expected a PolicyException, found ConfigMap\n$/,
    );
    writeFileSync(file, [templates[0], 'kind: PolicyException\nspec: 3\n', templates[2]].join('---\n'));
    expect((await cli(cwd, ['request', '-f', file, ...flags])).stderr).toMatch(
      /^error: -f: \S+ document 2: apiVersion: /,
    );
    expect(json<{ items: unknown[] }>(await cli(cwd, ['get', '-A', '-o', 'json'])).items).toEqual([]);

    const requested = await cli(cwd, ['request', '-f', '-', ...flags], { input: templates.join('---\n') });
    expect(requested.code).toBe(0);
    expect(requested.stdout.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^EX-1 \(app-shop\) requested: pending/),
      expect.stringMatching(/^EX-2 \(app-billing\) requested: pending/),
      expect.stringMatching(/^EX-3 \(app-search\) requested: pending/),
    ]);
    writeFileSync(file, templates.join('---\n'));
    // The names are taken now: the second file is refused whole, by its first document.
    const again = await cli(cwd, ['request', '-f', file, ...flags, '-o', 'json']);
    expect(again).toMatchObject({ code: 3 });
    expect(again.stderr).toMatch(/document 1: --exception-name: the name "app-shop" is taken by EX-1/);
    const listed = json<{ items: { name: string; requestor: string }[] }>(
      await cli(cwd, ['get', '-A', '-o', 'json']),
    );
    expect(listed.items.map((x) => x.name)).toEqual(['app-shop', 'app-billing', 'app-search']);
    expect((await cli(cwd, ['audit', '--verify'])).code).toBe(0);
  });

  it('answers bad input with one line and the right exit code', async () => {
    const cases: [string[], number, RegExp][] = [
      [['get', '--bogus'], 2, /unknown option '--bogus'/],
      // A misspelt flag is named, with the one meant, before any required flag is missed.
      [
        ['token', 'create', '--owner', 'prometheus', '--roles', 'auditor'],
        2,
        /^error: unknown option '--roles'\n\(Did you mean --role\?\)\n$/,
      ],
      [['token', 'create', '--owner', 'prometheus'], 2, /^error: --role is required\n$/],
      [
        ['token', 'create', '--owner', 'prometheus', '--role', 'auditor', '--role', 'foo'],
        2,
        /^error: --role: 'foo' is not one of requester, approver, applier, auditor, admin\n$/,
      ],
      [
        [...requestArgs.slice(0, 6), 'hotfix', ...requestArgs.slice(7)],
        2,
        /^error: --category: 'hotfix' is not one of emergency-hotfix, vendor-image, legacy-migration, image-development\n$/,
      ],
      [['get', 'EX-404'], 1, /no exception "EX-404"/],
      [['get', '-o', 'xml'], 2, /output format "xml"/],
      [['get', '--state', 'sleeping'], 2, /unknown state "sleeping"/],
      [
        [...requestArgs.slice(0, -1), 'soon'],
        2,
        /^error: --expires: "soon" is not a duration \(14d\) or an RFC3339 instant/,
      ],
      [
        [...requestArgs.slice(0, -1), '-5d'],
        2,
        /^error: --expires: "-5d" is not a duration \(14d\) or an RFC3339 instant/,
      ],
      [
        ['token', 'create', '--owner', 'prometheus', '--role', 'auditor', '--expires', '9x'],
        2,
        /^error: --expires: "9x" is not a duration \(14d\) or an RFC3339 instant \(2026-12-31T00:00:00Z\)\n$/,
      ],
      [
        ['get', '--expiring-within', '7x'],
        2,
        /^error: --expiring-within: "7x" is not a duration \(use e\.g\. 14d, 12h, 1d12h\)\n$/,
      ],
      [
        ['get', '--state', 'activ'],
        2,
        /^error: --state: unknown state "activ"; use pending, approved, rejected, withdrawn, active, expired, removed\n$/,
      ],
      [['get', '--sort', 'oldest'], 2, /^error: --sort: unknown order "oldest"; use id, newest, expiry\n$/],
      [
        ['metrics', '--now', 'bad'],
        2,
        /^error: --now: "bad" is not an RFC3339 instant \(e\.g\. 2026-12-31T00:00:00Z\)\n$/,
      ],
      // A namespace Kubernetes would refuse is a typing mistake, not an empty inventory.
      [
        ['get', '-n', 'Bad_NS'],
        2,
        /^error: --namespace: "Bad_NS" is not a namespace name \(a DNS-1123 label: lower-case letters, digits and "-", at most 63 characters\)\n$/,
      ],
      [['get', '-n', 'payments', '-A'], 2, /^error: -n and -A exclude each other\n$/],
      [
        ['request', '-n', 'payments'],
        2,
        /^error: --name is required\nerror: --category is required\nerror: --ticket is required\nerror: --reason is required\nerror: --expires is required\n$/,
      ],
      [
        ['request', '-f', 'missing.yaml', '--category', 'vendor-image'],
        2,
        /^error: -f: cannot read missing\.yaml: no such file\n$/,
      ],
      // A YAML error is one line, with no colon left dangling where a code frame was cut off.
      [
        ['request', '-f', '-', '--category', 'vendor-image'],
        2,
        /^error: <stdin>: yaml: line 2: .*column \d+\n$/,
      ],
      [
        [
          'request',
          '-n',
          'kube-system',
          '--name',
          '*',
          '--category',
          'image-development',
          '--ticket',
          'DEV-1',
          '--reason',
          'x',
          '--expires',
          '60d',
        ],
        3,
        /^error: --namespace: .*\[namespace-protected\]\nerror: --name: .*\[name-pattern-broad\]\nerror: --reason: .*\[reason-length\]\nerror: --expires: an image-development exception lasts at most 30 days \[expiry-max\]\n$/,
      ],
      [['audit', '--checkpoint', 'cp.json'], 2, /^error: --checkpoint goes with --verify\n$/],
      [['audit', '--verify', '--checkpoint', 'cp.json'], 2, /^error: --checkpoint needs --public-key/],
      [
        ['audit', 'checkpoint', '--private-key', 'missing.pem'],
        2,
        /^error: --private-key: cannot read missing\.pem: no such file\n$/,
      ],
      [['serve', '--port', '99999'], 2, /^error: --port must be a port number \(0-65535\), not "99999"\n$/],
      [
        ['get', '--as', 'bob', '--server', 'http://127.0.0.1:9', '--token', 't'],
        2,
        /^error: --as acts in local mode only/,
      ],
      [
        ['sweep', '--now', 'tomorrow'],
        2,
        /^error: --now: "tomorrow" is not an RFC3339 instant \(e\.g\. 2026-12-31T00:00:00Z\)\n$/,
      ],
      [['render', 'EX-1', '--api-version', 'kyverno.io/v2alpha1'], 2, /v2alpha1/],
    ];
    await cli(cwd, requestArgs);
    for (const [args, code, message] of cases) {
      const before = snapshot(cwd);
      const result = await cli(cwd, args, { input: 'kind: PolicyException\n  : [broken' });
      expect(result.code, args.join(' ')).toBe(code);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(snapshot(cwd), args.join(' ')).toBe(before);
    }
  });

  it('asks for input instead of waiting on a terminal, and refuses empty input', async () => {
    const waiting = await cli(cwd, ['lint'], { terminal: true });
    expect(waiting).toMatchObject({
      code: 2,
      stderr: 'error: lint checks files, folders or - (standard input): name at least one\n',
    });
    const broken = await cli(cwd, ['lint', '-', '-o', 'json'], {
      input: 'kind: PolicyException\n  : [broken',
    });
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout).findings[0].message).toMatch(/^yaml: line 2: .*column \d+$/);
    for (const args of [['lint'], ['lint', '-']])
      expect(await cli(cwd, args, { input: '  \n' })).toMatchObject({
        code: 2,
        stderr: 'error: standard input is empty: nothing to lint\n',
      });
  });

  it('takes a request from the shipped example of the process template', async () => {
    const example = fileURLToPath(new URL('../examples/exception-request.yaml', import.meta.url));
    const created = json(
      await cli(cwd, [
        'request',
        '-f',
        example,
        '--category',
        'legacy-migration',
        '--expires',
        '14d',
        '-o',
        'json',
      ]),
    );
    expect(created).toMatchObject({
      name: 'billing-worker-mig-42',
      namespaces: ['billing'],
      names: ['billing-worker-*'],
      ticket: 'MIG-42',
      state: 'pending',
    });
  });

  it('agrees on what is active after the quick start ran a sweep ahead of the clock', async () => {
    await requestApproveApply();
    const later = inDays(6);
    expect(json(await cli(cwd, ['sweep', '--now', later, '-o', 'json'], { as: 'carol' }))).toMatchObject({
      expired: ['EX-1'],
    });
    // As of the real now, on the real clock: the inventory and the metrics say the same.
    expect(
      json<{ items: unknown[] }>(await cli(cwd, ['get', '--state', 'active', '-o', 'json'])).items,
    ).toEqual([]);
    expect(json(await cli(cwd, ['metrics', '-o', 'json']))).toMatchObject({ activeExceptions: 0 });
    expect((await cli(cwd, ['describe', 'EX-1'])).stdout).toMatch(
      /^Removed: .*simulated ahead of time by sweep --now\)$/m,
    );
  });

  it('shows a metric with no data as n/a, and no red flag for a first exception', async () => {
    await requestApproveApply();
    const table = (await cli(cwd, ['metrics'])).stdout;
    expect(table).toMatch(/^average duration\s+n\/a\s+< 14d\s+n\/a$/m);
    expect(table).toMatch(/^active exceptions\s+1\s+should fall\s+n\/a$/m);
    expect(table).toMatch(/^active at each week's end, oldest first: (0 )+1$/m);
    // n/a says why: the trend is judged from history this database does not have yet.
    expect(table).toMatch(/^trend: not judged until two weeks have ended with active exceptions$/m);
    expect(table).not.toContain('RED FLAG');
  });

  it('completes commands, subcommands and flags in bash, and writes zsh and fish scripts', async () => {
    // The script runs the program that printed it, by its path: here through a link in a folder whose
    // name needs quoting, and with no waiver on PATH, as with the README's alias.
    const script = join(cwd, 'waiver.bash');
    const linked = join(cwd, `it's "a" $HOME dir`);
    mkdirSync(linked);
    symlinkSync(BIN, join(linked, 'waiver'));
    writeFileSync(
      script,
      (await runProcess(process.execPath, [join(linked, 'waiver'), 'completion', 'bash'], { cwd, env: {} }))
        .stdout,
    );
    const complete = (...words: string[]) =>
      execFileSync(
        'bash',
        [
          '-c',
          `source ${script}; COMP_WORDS=(${words.join(' ')}); COMP_CWORD=${words.length - 1}; _waiver; echo "\${COMPREPLY[@]}"`,
        ],
        { encoding: 'utf8' },
      ).trim();
    expect(complete('waiver', 're')).toBe('request reject revoke renew report review render');
    expect(complete('waiver', 'request', '--ex')).toBe('--exception-name --expires');
    expect(complete('waiver', 'token', 'c')).toBe('create');
    expect(complete('waiver', 'token', 'create', '--r')).toBe('--role');
    // A flag's value is no command word, before the command or after it.
    expect(complete('waiver', '--as', 'alice', 'get', '--st')).toBe('--state');
    expect(complete('waiver', 'get', '-n', 'payments', '--st')).toBe('--state');
    expect(complete('waiver', '--as', 'alice', 're')).toBe(
      'request reject revoke renew report review render',
    );
    // Values come from waiver itself: states, categories, roles, and the store's ids and policies.
    const completeValues = (...words: string[]) =>
      execFileSync(
        'bash',
        [
          '-c',
          `shopt -s expand_aliases; alias waiver="node '${BIN}'"; source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _waiver; echo "\${COMPREPLY[@]}"`,
        ],
        {
          encoding: 'utf8',
          env: {
            PATH: '/usr/bin:/bin',
            HOME: cwd,
            WAIVER_DB: join(cwd, 'w.db'),
            WAIVER_TARGET_DIR: join(cwd, 'gitops'),
          },
        },
      ).trim();
    expect(completeValues('waiver', 'get', '--state', 'a')).toBe('approved active');
    expect(completeValues('waiver', 'request', '--category', 'e')).toBe('emergency-hotfix');
    expect(completeValues('waiver', 'request', '--kind', '')).toBe(
      'Pod Deployment DaemonSet StatefulSet ReplicaSet ReplicationController Job CronJob',
    );
    expect(completeValues('waiver', '--as', 'alice', 'get', '-n', 'payments', '--state', 'p')).toBe(
      'pending',
    );
    expect(completeValues('waiver', 'token', 'create', '--role', 'a')).toBe('approver applier auditor admin');
    // No database yet: nothing to offer, and none is made by completing.
    expect(completeValues('waiver', 'approve', '')).toBe('');
    expect(existsSync(join(cwd, 'w.db'))).toBe(false);
    await cli(cwd, requestArgs, { as: 'alice' });
    expect(completeValues('waiver', 'approve', '')).toBe('EX-1');
    expect(completeValues('waiver', 'describe', 'EX')).toBe('EX-1');
    expect(completeValues('waiver', 'get', '--policy', '')).toBe('require-image-signature');
    // Tokens and notifications are not exceptions: no exception ids for them.
    expect(completeValues('waiver', 'token', 'revoke', '')).not.toContain('EX-1');
    // Each verb offers the exceptions it can act on: EX-1 pending, then approved, active and removed.
    const offered = (verbs: string[]) =>
      verbs.filter((verb) => completeValues('waiver', verb, '') === 'EX-1').join(' ');
    const verbs = [
      'approve',
      'reject',
      'withdraw',
      'apply',
      'revoke',
      'renew',
      'escalate',
      'describe',
      'get',
    ];
    expect(offered(verbs)).toBe('approve reject withdraw describe get');
    await cli(cwd, ['approve', 'EX-1'], { as: 'bob' });
    expect(offered(verbs)).toBe('reject withdraw apply describe get');
    await cli(cwd, ['apply', 'EX-1'], { as: 'carol' });
    expect(offered(verbs)).toBe('revoke renew escalate describe get');
    await cli(cwd, ['revoke', 'EX-1', '--comment', 'fixed'], { as: 'bob' });
    expect(offered(verbs)).toBe('describe get');
    for (const shell of ['zsh', 'fish']) {
      const other = await cli(cwd, ['completion', shell]);
      expect(other.code).toBe(0);
      for (const command of ['request', 'approve', 'apply', 'sweep', 'doctor'])
        expect(other.stdout).toContain(command);
    }
    expect(await cli(cwd, ['completion', 'powershell'])).toMatchObject({
      code: 2,
      stderr: 'error: completion is for bash, zsh, fish, not "powershell"\n',
    });
  });

  it('keeps its database to its owner, and creates no folder but its own default one', async () => {
    await cli(cwd, ['get']);
    expect(statSync(join(cwd, 'w.db')).mode & 0o777).toBe(0o600);
    // Write-ahead logging, also for a database made with the rollback journal: it converts on open.
    const journal = () => {
      const db = new BetterSqlite3(join(cwd, 'w.db'));
      const mode = db.pragma('journal_mode', { simple: true });
      db.close();
      return mode;
    };
    expect(journal()).toBe('wal');
    const old = new BetterSqlite3(join(cwd, 'w.db'));
    old.pragma('journal_mode = DELETE');
    old.close();
    expect(journal()).toBe('delete');
    await cli(cwd, ['get']);
    expect(journal()).toBe('wal');
    const missing = join(cwd, 'nonexistent', 'dir', 'x.db');
    const refused = await cli(cwd, ['--db', missing, 'get']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `error: cannot open the database ${missing}: the folder ${dirname(missing)} does not exist\n`,
    );
    expect(existsSync(join(cwd, 'nonexistent'))).toBe(false);
  });

  it('names the first broken link of a tampered audit chain', async () => {
    await requestApproveApply();
    const db = new BetterSqlite3(join(cwd, 'w.db'));
    db.prepare('update audit_events set data = \'{"comment":"nothing to see"}\' where seq = 2').run();
    db.close();
    const result = await cli(cwd, ['audit', '--verify']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('audit chain broken at event #2');
    expect((await cli(cwd, ['audit', '-o', 'csv'])).stdout.split('\n')[0]).toBe(
      'seq,at,actor,action,exceptionId,data,prevHash,hash',
    );
  });
});
