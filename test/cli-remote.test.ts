import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { cli, json, requestArgs, type CliResult } from './support/cli.js';
import { startTestServer, type TestServer } from './support/server.js';
import { requestTemplate } from './support/requests.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const running: TestServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
});

/** A manifest from Kyverno's tests with no expiry: its findings do not depend on the clock. */
const UNEXPIRING = fileURLToPath(
  new URL('./fixtures/kyverno/chainsaw-applies-to-delete/exception.yaml', import.meta.url),
);

/** A loopback port nothing listens on. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * What differs between two runs by nature: instants and dates (the server's clock is the test's), hashes,
 * the target folder, and audit sequence numbers (the server's trail starts with its token events).
 */
const varying = (text: string): string =>
  text
    .replace(/"[0-9a-f]{64}"/g, '"<hash>"')
    .replace(/\d{4}-?\d{2}-?\d{2}(T\d{2}:?\d{2}:?\d{2}(\.\d+)?Z)?/g, '<instant>')
    .replace(/directory [^"\s]+/g, 'directory <dir>')
    .replace(/"seq": \d+/g, '"seq": 0');
const normalise = (r: CliResult): unknown => JSON.parse(varying(r.stdout));

/** The same story told by three people, through whatever `run` reaches. */
async function story(
  run: (user: string, args: string[]) => Promise<CliResult>,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  out['request'] = normalise(await run('alice', [...requestArgs('MIG-12'), '-o', 'json']));
  out['approve'] = normalise(
    await run('bob', ['approve', 'EX-1', '--comment', 'risk accepted', '-o', 'json']),
  );
  out['apply'] = normalise(await run('carol', ['apply', 'payments-api-mig-12', '-o', 'json']));
  out['get'] = normalise(await run('alice', ['get', '-A', '-o', 'json']));
  out['getOne'] = normalise(await run('alice', ['get', 'EX-1', '-o', 'json']));
  out['describe'] = normalise(await run('bob', ['describe', 'EX-1', '-o', 'json']));
  out['audit'] = normalise(await run('bob', ['audit', 'EX-1', '-o', 'json']));
  out['auditByActor'] = normalise(
    await run('bob', ['audit', '--actor', 'carol', '--action', 'applied', '-o', 'json']),
  );
  out['render'] = varying((await run('bob', ['render', 'EX-1'])).stdout);
  out['lint'] = normalise(await run('bob', ['lint', UNEXPIRING, '-o', 'json']));
  // The time left is rounded to hours, so the columns' widths may differ by when each side ran.
  out['table'] = (await run('alice', ['get', '-A'])).stdout
    .replace(/in \d+d\d*h?/g, 'in <left>')
    .replace(/ {2,}/g, '  ');
  return out;
}

describe('the CLI in remote mode', () => {
  it('prints what local mode prints, for the same story told by three users', async () => {
    const dir = tempDir();
    const server = await startTestServer({ database: join(dir, 'server.db'), dir });
    running.push(server);
    const tokens: Record<string, string> = {
      alice: await server.token('alice', ['requester']),
      bob: await server.token('bob', ['approver']),
      carol: await server.token('carol', ['applier']),
    };
    const remoteCwd = tempDir();
    const remote = await story((user, args) =>
      cli(remoteCwd, args, { env: { WAIVER_SERVER: server.url, WAIVER_TOKEN: tokens[user] ?? '' } }),
    );
    const localCwd = tempDir();
    mkdirSync(join(localCwd, 'gitops'));
    const local = await story((user, args) => cli(localCwd, args, { as: user }));
    expect(remote).toEqual(local);
    expect((remote['get'] as { items: unknown[] }).items).toHaveLength(1);
    expect((remote['lint'] as { errors: number }).errors).toBeGreaterThan(0);
    expect((remote['auditByActor'] as { items: { actor: string }[] }).items.map((e) => e.actor)).toEqual([
      'carol',
    ]);
    // Neither has a cluster, and each says so to who can change it: the server's operator, or the user.
    const remoteDoctor = await cli(remoteCwd, ['doctor'], {
      env: { WAIVER_SERVER: server.url, WAIVER_TOKEN: tokens['bob'] ?? '' },
    });
    expect(remoteDoctor).toMatchObject({
      code: 2,
      stderr:
        "error: doctor checks a cluster, and this server has no cluster configured: its operator adds one under targets: in the server's configuration (or starts it with --kubeconfig or --context)\n",
    });
    expect(await cli(localCwd, ['doctor'], { as: 'bob' })).toMatchObject({
      code: 2,
      stderr:
        'error: doctor checks a cluster, and no cluster is configured: give --kubeconfig or --context, or a cluster under targets: in the config\n',
    });
    // Remote mode touched no local database.
    expect((await cli(remoteCwd, ['get', '-A', '-o', 'json'])).stdout).toContain('"items": []');
  });

  it("tells a remote doctor that an unreachable cluster is the server operator's to fix", async () => {
    const dir = tempDir();
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters: [{name: test, cluster: {server: "http://127.0.0.1:${await freePort()}"}}]\n` +
        'contexts: [{name: test, context: {cluster: test, user: u}}]\nusers: [{name: u, user: {}}]\ncurrent-context: test\n',
    );
    const server = await startTestServer({ database: join(dir, 'server.db'), dir, kubeconfig });
    running.push(server);
    const env = { WAIVER_SERVER: server.url, WAIVER_TOKEN: await server.token('dave', ['auditor']) };
    const doctor = await cli(tempDir(), ['doctor', '-o', 'json'], { env });
    expect(doctor.code).toBe(1);
    const findings = (JSON.parse(doctor.stdout) as { findings: { check: string; fix?: string }[] }).findings;
    expect(findings.find((f) => f.check === 'cluster')?.fix).toBe(
      "the server's operator checks its kubeconfig or service account (targets: in the server's configuration)",
    );
    expect(doctor.stdout).not.toContain('--kubeconfig');
  }, 120_000);

  it('runs a sweep on the server clock, and refuses a client clock', async () => {
    const dir = tempDir();
    const server = await startTestServer({ database: join(dir, 'server.db'), dir });
    running.push(server);
    const env = { WAIVER_SERVER: server.url, WAIVER_TOKEN: await server.token('carol', ['applier']) };
    const cwd = tempDir();
    expect(json(await cli(cwd, ['sweep', '-o', 'json'], { env }))).toMatchObject({
      at: '2026-12-01T09:00:00Z',
    });
    const refused = await cli(cwd, ['sweep', '--now', '2027-01-01T00:00:00Z'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe('error: the server keeps its own clock: --now works in local mode only\n');
  });

  it('prints one line for each row the server finds out of step with its trail, as local mode does', async () => {
    const dir = tempDir();
    const database = join(dir, 'server.db');
    const server = await startTestServer({ database, dir });
    running.push(server);
    const env = { WAIVER_SERVER: server.url, WAIVER_TOKEN: await server.token('dave', ['auditor']) };
    const cwd = tempDir();
    const local = { env: { WAIVER_DB: database } };
    expect((await cli(cwd, requestArgs('MIG-1'), local)).code).toBe(0);
    expect((await cli(cwd, requestArgs('MIG-2'), local)).code).toBe(0);
    const db = new BetterSqlite3(database);
    db.prepare('delete from exceptions where id = 1').run();
    db.prepare("update api_tokens set roles = '[\"admin\"]' where owner = 'dave'").run();
    db.close();
    const remote = await cli(cwd, ['audit', '--verify'], { env });
    expect(remote.code).toBe(1);
    expect(remote.stderr).toBe((await cli(cwd, ['audit', '--verify'], local)).stderr);
    expect(remote.stderr).toMatch(
      /^error: token tok-\w+: does not match .* \[record_edited\]\nerror: EX-1: does not match .* \[record_deleted\]\n$/,
    );
  });

  it('requests a file of several templates in one batch call, all or none, as local mode does', async () => {
    const dir = tempDir();
    const server = await startTestServer({ database: join(dir, 'server.db'), dir });
    running.push(server);
    const cwd = tempDir();
    const env = { WAIVER_SERVER: server.url, WAIVER_TOKEN: await server.token('alice', ['requester']) };
    const flags = ['--category', 'legacy-migration', '--expires', '14d'];
    const templates = ['shop', 'billing'].map((ns, i) => requestTemplate(ns, `MIG-${i}`));
    const noTicket = requestTemplate('search', 'MIG-2').replace(/ {4}jira-ticket: .*\n/, '');

    const refused = await cli(cwd, ['request', '-f', '-', ...flags], {
      env,
      input: [...templates, noTicket].join('---\n'),
    });
    expect(refused).toMatchObject({ code: 2, stderr: 'error: <stdin> document 3: --ticket is required\n' });
    const short = requestTemplate('search', 'MIG-2', 'too short');
    const guarded = await cli(cwd, ['request', '-f', '-', ...flags], {
      env,
      input: [...templates, short].join('---\n'),
    });
    expect(guarded.code).toBe(3);
    expect(guarded.stderr).toMatch(/^error: <stdin> document 3: --reason: /);
    expect(json<{ items: unknown[] }>(await cli(cwd, ['get', '-A', '-o', 'json'], { env })).items).toEqual(
      [],
    );

    const requested = await cli(cwd, ['request', '-f', '-', ...flags, '-o', 'name'], {
      env,
      input: templates.join('---\n'),
    });
    expect(requested).toMatchObject({ code: 0, stdout: 'EX-1\nEX-2\n' });
    // Both were requested, in the order of their documents.
    const trail = json<{ items: { action: string; exceptionId: number }[] }>(
      await cli(cwd, ['audit', '-o', 'json'], {
        env: { ...env, WAIVER_TOKEN: await server.token('dave', ['auditor']) },
      }),
    ).items.filter((e) => e.action === 'requested');
    expect(trail.map((e) => e.exceptionId)).toEqual([1, 2]);
  });

  it('answers connection and credential problems with one line and an exit code', async () => {
    const dir = tempDir();
    const server = await startTestServer({ database: join(dir, 'server.db'), dir });
    running.push(server);
    const cwd = tempDir();
    const wrong = await cli(cwd, ['get', '-A'], {
      env: { WAIVER_SERVER: server.url, WAIVER_TOKEN: 'wvr_nope' },
    });
    expect(wrong).toMatchObject({ code: 3, stderr: 'error: the token is unknown, revoked or expired\n' });
    const missing = await cli(cwd, ['get', '-A', '--server', server.url]);
    expect(missing).toMatchObject({
      code: 2,
      stderr: 'error: --server needs a token: --token or WAIVER_TOKEN\n',
    });
    const closed = await freePort();
    const down = await cli(cwd, ['get', '-A', '--server', `http://127.0.0.1:${closed}`, '--token', 'x']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(
      new RegExp(`^error: cannot reach the server http://127\\.0\\.0\\.1:${closed}: .*ECONNREFUSED.*\\n$`),
    );
    const forbidden = await cli(cwd, [
      'approve',
      'EX-1',
      '--token',
      await server.token('dave', ['auditor']),
      '--server',
      server.url,
    ]);
    expect(forbidden).toMatchObject({
      code: 3,
      stderr: 'error: dave may not review: that needs the role approver or admin\n',
    });
  });

  it('manages tokens through the API as an admin', async () => {
    const dir = tempDir();
    const server = await startTestServer({ database: join(dir, 'server.db'), dir });
    running.push(server);
    const env = { WAIVER_SERVER: server.url, WAIVER_TOKEN: server.adminToken };
    const cwd = tempDir();
    const created = json<{ token: { id: string }; secret: string }>(
      await cli(
        cwd,
        ['token', 'create', '--owner', 'erin', '--role', 'auditor', '--expires', '30d', '-o', 'json'],
        { env },
      ),
    );
    const asErin = { WAIVER_SERVER: server.url, WAIVER_TOKEN: created.secret };
    expect((await cli(cwd, ['get', '-A'], { env: asErin })).code).toBe(0);
    const listed = await cli(cwd, ['token', 'list'], { env });
    expect(listed.stdout).toContain(created.token.id);
    expect(listed.stdout).not.toContain(created.secret);
    expect((await cli(cwd, ['token', 'revoke', created.token.id], { env })).stdout).toBe(
      `token ${created.token.id} revoked\n`,
    );
    expect((await cli(cwd, ['get', '-A'], { env: asErin })).code).toBe(3);
  });
});
