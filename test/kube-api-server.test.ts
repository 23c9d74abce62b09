import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { renderPolicyException, manifestToYaml } from '../src/domain/render.js';
import { defaultSettings } from '../src/domain/settings.js';
import { FakeKubeApiServer } from './support/kube/fake-api-server.js';
import { runProcess, type CliResult } from './support/cli.js';
import { activeRecord } from './support/records.js';
import { useTempDir } from './support/temp.js';
import { hasKubectl as kubectlRuns } from './support/prerequisites.js';

const hasKubectl = kubectlRuns();

const tempDir = useTempDir();
const servers: FakeKubeApiServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

/** The machine's real kubectl, isolated: its own kubeconfig and cache folder, nothing from the user. */
function kubectl(dir: string, args: string[], input = ''): Promise<CliResult> {
  return runProcess('kubectl', [...args, '--cache-dir', join(dir, 'cache')], {
    cwd: dir,
    input,
    env: { PATH: process.env['PATH'] ?? '', HOME: dir, KUBECONFIG: join(dir, 'kubeconfig') },
  });
}

async function setup() {
  const api = await new FakeKubeApiServer().start();
  servers.push(api);
  const dir = tempDir();
  mkdirSync(join(dir, 'cache'));
  writeFileSync(join(dir, 'kubeconfig'), api.kubeconfig());
  api.seed('v1', 'Namespace', { metadata: { name: 'policy-exceptions' } });
  return { api, dir };
}

describe.skipIf(!hasKubectl)('the test Kubernetes API server, as the real kubectl sees it', () => {
  it('answers version and discovery', async () => {
    const { dir } = await setup();
    const version = await kubectl(dir, ['version', '-o', 'json']);
    expect(JSON.parse(version.stdout).serverVersion.gitVersion).toBe('v1.31.0-waiver-test');
    const resources = await kubectl(dir, ['api-resources', '--api-group', 'kyverno.io', '-o', 'name']);
    expect(resources.stdout.split('\n').filter(Boolean).sort()).toEqual([
      'clusterpolicies.kyverno.io',
      'policies.kyverno.io',
      'policyexceptions.kyverno.io',
    ]);
    // The CEL kind and the policy reports, as Kyverno 1.15+ and its reports controller serve them.
    const cel = await kubectl(dir, ['api-resources', '--api-group', 'policies.kyverno.io', '-o', 'name']);
    expect(cel.stdout).toContain('policyexceptions.policies.kyverno.io');
    const reports = await kubectl(dir, ['get', 'policyreports,clusterpolicyreports', '-A', '-o', 'name']);
    expect(reports.stderr).toBe('');
  });

  it('applies a rendered manifest, lists it across namespaces, and deletes it', async () => {
    const { api, dir } = await setup();
    const manifest = manifestToYaml(renderPolicyException(activeRecord(), defaultSettings));
    const applied = await kubectl(dir, ['apply', '--validate=false', '-f', '-'], manifest);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toMatch(/policyexception.kyverno.io\/\S+ created/);
    const name = (parse(manifest) as { metadata: { name: string } }).metadata.name;
    expect(api.get('policyexceptions', 'policy-exceptions', name)?.['spec']).toEqual(
      (parse(manifest) as { spec: unknown }).spec,
    );

    const listed = await kubectl(dir, ['get', 'policyexceptions', '-A', '-o', 'json']);
    expect(
      JSON.parse(listed.stdout).items.map((i: any) => `${i.metadata.namespace}/${i.metadata.name}`),
    ).toEqual([`policy-exceptions/${name}`]);
    const table = await kubectl(dir, ['get', 'polex', '-A']);
    expect(table.stdout).toContain(name);

    const again = await kubectl(dir, ['apply', '--validate=false', '-f', '-'], manifest);
    expect(again.stdout).toMatch(/unchanged|configured/);

    const deleted = await kubectl(dir, ['delete', 'policyexception', name, '-n', 'policy-exceptions']);
    expect(deleted.stdout).toContain('deleted');
    expect(api.get('policyexceptions', 'policy-exceptions', name)).toBeUndefined();
    const missing = await kubectl(dir, ['get', 'policyexception', name, '-n', 'policy-exceptions']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`policyexceptions.kyverno.io "${name}" not found`);
  });
});

describe('the test Kubernetes API server, over HTTP', () => {
  const call = async (
    api: FakeKubeApiServer,
    method: string,
    path: string,
    body?: unknown,
    type = 'application/json',
  ) => {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: { 'content-type': type },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const base = '/apis/kyverno.io/v2/namespaces/policy-exceptions/policyexceptions';
  const object = {
    apiVersion: 'kyverno.io/v2',
    kind: 'PolicyException',
    metadata: { name: 'x' },
    spec: { background: true },
  };

  it('pages a list with limit and continue, as kubectl --chunk-size reads it', async () => {
    const { api, dir } = await setup();
    for (let i = 1; i <= 5; i++)
      api.seed('v1', 'Pod', {
        metadata: { name: `web-${i}`, namespace: 'payments' },
        spec: { containers: [] },
      });
    const chunked = await kubectl(dir, ['get', 'pods', '-A', '--chunk-size', '2', '-o', 'name']);
    expect(chunked.stderr).toBe('');
    expect(chunked.stdout.trim().split('\n')).toEqual([1, 2, 3, 4, 5].map((i) => `pod/web-${i}`));
    const first = await kubectl(dir, ['get', '--raw', '/api/v1/pods?limit=2']);
    const page = JSON.parse(first.stdout) as {
      items: unknown[];
      metadata: { continue?: string; remainingItemCount?: number };
    };
    expect(page.items).toHaveLength(2);
    expect(page.metadata.remainingItemCount).toBe(3);
    const last = await kubectl(dir, [
      'get',
      '--raw',
      `/api/v1/pods?limit=10&continue=${page.metadata.continue ?? ''}`,
    ]);
    expect(
      (JSON.parse(last.stdout) as { items: unknown[]; metadata: { continue?: string } }).items,
    ).toHaveLength(3);
  });

  it('refuses a stale resourceVersion with 409 and merges a JSON merge patch', async () => {
    const { api } = await setup();
    const created = await call(api, 'POST', base, object);
    expect(created.status).toBe(201);
    const rv = created.body.metadata.resourceVersion;
    const updated = await call(api, 'PUT', `${base}/x`, { ...created.body, spec: { background: false } });
    expect(updated.status).toBe(200);
    const stale = await call(api, 'PUT', `${base}/x`, {
      ...created.body,
      metadata: { ...created.body.metadata, resourceVersion: rv },
    });
    expect(stale).toMatchObject({ status: 409, body: { kind: 'Status', reason: 'Conflict', code: 409 } });
    const patched = await call(
      api,
      'PATCH',
      `${base}/x`,
      { metadata: { labels: { a: 'b' } } },
      'application/merge-patch+json',
    );
    expect(patched.body).toMatchObject({ metadata: { labels: { a: 'b' } }, spec: { background: false } });
    expect((await call(api, 'POST', base, object)).body).toMatchObject({
      reason: 'AlreadyExists',
      code: 409,
    });
    expect((await call(api, 'GET', `${base}/nope`)).body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'policyexceptions.kyverno.io "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', group: 'kyverno.io', kind: 'policyexceptions' },
      code: 404,
    });
  });

  it('streams watch events from a resourceVersion, sends bookmarks, and answers 410 when history is gone', async () => {
    const { api } = await setup();
    const from = (await call(api, 'GET', base)).body.metadata.resourceVersion;
    await call(api, 'POST', base, object);
    const res = await fetch(`${api.url}${base}?watch=true&allowWatchBookmarks=true&resourceVersion=${from}`);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const next = async (): Promise<any> => {
      while (!text.includes('\n')) text += decoder.decode((await reader.read()).value);
      const [line, ...rest] = text.split('\n');
      text = rest.join('\n');
      return JSON.parse(line ?? '');
    };
    expect(await next()).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'x' } } });
    await call(api, 'DELETE', `${base}/x`);
    expect(await next()).toMatchObject({ type: 'DELETED' });
    api.bookmark();
    const bookmark = await next();
    expect(bookmark.type).toBe('BOOKMARK');
    await reader.cancel();
    api.compact();
    const gone = await fetch(`${api.url}${base}?watch=true&resourceVersion=${from}`);
    expect(JSON.parse((await gone.text()).trim())).toMatchObject({
      type: 'ERROR',
      object: { code: 410, reason: 'Expired' },
    });
  });
});
