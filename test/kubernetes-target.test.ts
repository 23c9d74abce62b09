import { afterEach, describe, expect, it } from 'vitest';
import { renderPolicyException } from '../src/domain/render.js';
import { defaultSettings } from '../src/domain/settings.js';
import { loadKubeConfig } from '../src/targets/kubernetes/kube-config.js';
import { KubernetesTarget } from '../src/targets/kubernetes/kubernetes-target.js';
import { systemScheduler } from '../src/system/system-scheduler.js';
import { FakeKubeApiServer } from './support/kube/fake-api-server.js';
import { activeRecord } from './support/records.js';
import { useTempDir } from './support/temp.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const tempDir = useTempDir();
const servers: FakeKubeApiServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

/** A server that answers is given minutes; the deadline is short only for the tries it never answers. */
const PATIENT_MS = 120_000;
const deadline = { ms: PATIENT_MS };
afterEach(() => {
  deadline.ms = PATIENT_MS;
});
// Read at each call (the target keeps this object), so a test can shorten it for a server that hangs.
const fast = {
  attempts: 4,
  backoffMs: 5,
  maxBackoffMs: 20,
  get timeoutMs() {
    return deadline.ms;
  },
};

async function setup() {
  const api = await new FakeKubeApiServer().start();
  servers.push(api);
  api.seed('v1', 'Namespace', { metadata: { name: 'policy-exceptions' } });
  const path = join(tempDir(), 'kubeconfig');
  writeFileSync(path, api.kubeconfig());
  const target = new KubernetesTarget(loadKubeConfig({ kubeconfig: path }), systemScheduler, 'v2', fast);
  const manifest = renderPolicyException(activeRecord(), defaultSettings);
  const name = manifest.metadata.name;
  return { api, target, manifest, name, path };
}

describe('Kubernetes target', () => {
  it('writes with server-side apply as field manager waiver, idempotently, and deletes', async () => {
    const { api, target, manifest, name } = await setup();
    await target.write(manifest);
    const stored = api.get('policyexceptions', 'policy-exceptions', name);
    expect(stored?.['spec']).toEqual(manifest.spec);
    expect(stored?.['metadata'].labels).toEqual(manifest.metadata.labels);
    expect(stored?.['metadata'].managedFields[0].manager).toBe('waiver');
    const patch = api.requests.find((r) => r.method === 'PATCH');
    expect(patch?.contentType).toBe('application/apply-patch+yaml');
    expect(patch?.path).toContain('fieldManager=waiver');

    const rv = stored?.['metadata'].resourceVersion;
    await target.write(manifest);
    expect(api.get('policyexceptions', 'policy-exceptions', name)?.['metadata'].resourceVersion).toBe(rv);

    expect((await target.list()).map((o) => `${o.namespace}/${o.name}`)).toEqual([
      `policy-exceptions/${name}`,
    ]);
    await target.remove('policy-exceptions', name);
    expect(api.get('policyexceptions', 'policy-exceptions', name)).toBeUndefined();
    await target.remove('policy-exceptions', name); // already gone: fine
  });

  it.each([
    ['500', 500],
    ['409', 409],
    ['a timeout', 'hang' as const],
  ])('retries through %s for a while, creating exactly one object', async (_label, answer) => {
    const { api, target, manifest, name } = await setup();
    if (answer === 'hang') deadline.ms = 2_000;
    let faulted = 0;
    api.faults.push({
      match: (r) => {
        if (r.method !== 'PATCH') return false;
        // The second try the server will not answer has its deadline already: the third, which it
        // answers, has minutes again.
        if (++faulted === 2) deadline.ms = PATIENT_MS;
        return true;
      },
      answer,
      times: 2,
    });
    await target.write(manifest);
    expect(api.list('policyexceptions')).toHaveLength(1);
    expect(api.get('policyexceptions', 'policy-exceptions', name)?.['spec']).toEqual(manifest.spec);
    expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(3);
  });

  it('gives up after its attempts with one line naming the failure', async () => {
    const { api, target, manifest } = await setup();
    api.faults.push({ match: (r) => r.method === 'PATCH', answer: 500, times: 10 });
    await expect(target.write(manifest)).rejects.toMatchObject({
      code: 'target',
      message: expect.stringMatching(
        /^apply policy-exceptions\/\S+: the cluster refused \(500 InternalError: injected fault\)$/,
      ),
    });
    expect(api.list('policyexceptions')).toHaveLength(0);
  });

  it('waits between tries on its scheduler, doubling up to the cap', async () => {
    const { api, manifest, path } = await setup();
    const waits: number[] = [];
    // Each wait is recorded and ends at once: no time passes on any clock.
    const scheduler = {
      after: (ms: number, work: () => void) => {
        waits.push(ms);
        setImmediate(work);
        return () => undefined;
      },
    };
    const retry = { ...fast, attempts: 5 };
    const target = new KubernetesTarget(loadKubeConfig({ kubeconfig: path }), scheduler, 'v2', retry);
    api.faults.push({ match: (r) => r.method === 'PATCH', answer: 500, times: 10 });
    await expect(target.write(manifest)).rejects.toMatchObject({ code: 'target' });
    expect(waits).toEqual([5, 10, 20, 20]);
    expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(5);
  });

  it('does not retry what retrying cannot fix: forbidden, a missing namespace', async () => {
    const { api, target, manifest } = await setup();
    api.forbidden.add('patch policyexceptions');
    await expect(target.write(manifest)).rejects.toThrow(
      /403 Forbidden: .*cannot patch resource "policyexceptions"/,
    );
    expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    api.forbidden.clear();
    const elsewhere = { ...manifest, metadata: { ...manifest.metadata, namespace: 'nowhere' } };
    await expect(target.write(elsewhere)).rejects.toThrow(/404 NotFound: namespaces "nowhere" not found/);
  });

  it('says what is missing when the PolicyException API is not served', async () => {
    const { api, target, manifest } = await setup();
    api.unserved.add('kyverno.io/v2');
    await expect(target.write(manifest)).rejects.toThrow(
      /404 NotFound: the server could not find the requested resource\); is Kyverno \(its PolicyException CRD\) installed\? see waiver doctor$/,
    );
  });

  it('says so in one line when the cluster cannot be reached, or the context does not exist', async () => {
    const { api, path } = await setup();
    await api.stop();
    servers.length = 0;
    const target = new KubernetesTarget(loadKubeConfig({ kubeconfig: path }), systemScheduler, 'v2', fast);
    await expect(target.list()).rejects.toThrow(
      /^list PolicyExceptions: cannot reach the cluster at cluster http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/,
    );
    expect(() => loadKubeConfig({ kubeconfig: path, context: 'prod' })).toThrow(
      'no context "prod" in the kubeconfig (known: test)',
    );
    expect(() => loadKubeConfig({ kubeconfig: join(tempDir(), 'missing') })).toThrow(
      /^cannot read the kubeconfig: /,
    );
  });
});
