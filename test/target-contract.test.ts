import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExceptionManifest } from '../src/domain/manifest.js';
import { renderPolicyException } from '../src/domain/render.js';
import { defaultSettings } from '../src/domain/settings.js';
import type { Target } from '../src/service/ports/target.js';
import { DirectoryTarget } from '../src/targets/directory-target.js';
import { GitTarget } from '../src/targets/git/git-target.js';
import { loadKubeConfig } from '../src/targets/kubernetes/kube-config.js';
import { KubernetesTarget } from '../src/targets/kubernetes/kubernetes-target.js';
import { systemScheduler } from '../src/system/system-scheduler.js';
import { bareRepository, pushSettings, SYNCED_FOLDER } from './support/git/repositories.js';
import { FakeKubeApiServer } from './support/kube/fake-api-server.js';
import { hasGit } from './support/prerequisites.js';
import { activeRecord } from './support/records.js';
import { RecordingTarget } from './support/recording-target.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

interface OpenTarget {
  target: Target;
  /** What Kyverno would read at namespace/name: the manifest's spec, labels and annotations. */
  read: (namespace: string, name: string) => ExceptionManifest | undefined;
}

/** Every target Waiver writes to, and the fast tier's recording target, under one contract. */
const every: { name: string; observable: boolean; open: () => Promise<OpenTarget> }[] = [
  {
    name: 'directory',
    observable: false,
    open: () => {
      const root = tempDir();
      const file = (ns: string, name: string) => join(root, ns, `${name}.yaml`);
      return Promise.resolve({
        target: new DirectoryTarget(root, { createRoot: false }),
        read: (ns, name) =>
          existsSync(file(ns, name))
            ? (parse(readFileSync(file(ns, name), 'utf8')) as ExceptionManifest)
            : undefined,
      });
    },
  },
  {
    name: 'kubernetes',
    observable: true,
    open: async () => {
      const api = await new FakeKubeApiServer().start();
      cleanups.push(() => api.stop());
      api.seed('v1', 'Namespace', { metadata: { name: 'policy-exceptions' } });
      const path = join(tempDir(), 'kubeconfig');
      writeFileSync(path, api.kubeconfig());
      const retry = { attempts: 2, backoffMs: 5, maxBackoffMs: 10, timeoutMs: 120_000 };
      return {
        target: new KubernetesTarget(loadKubeConfig({ kubeconfig: path }), systemScheduler, 'v2', retry),
        read: (ns, name) => api.get('policyexceptions', ns, name) as ExceptionManifest | undefined,
      };
    },
  },
  {
    name: 'git',
    observable: true,
    open: () => {
      const dir = tempDir();
      const remote = bareRepository(dir);
      const target = new GitTarget('gitops', pushSettings(remote.url, join(dir, 'clone')), systemScheduler);
      // What Argo CD syncs: the file on the remote branch, not Waiver's clone.
      const read = (ns: string, name: string): ExceptionManifest | undefined => {
        const files = remote.git(['ls-tree', '-r', '--name-only', 'main', SYNCED_FOLDER]).split('\n');
        const file = `${SYNCED_FOLDER}/${ns}/${name}.yaml`;
        return files.includes(file)
          ? (parse(remote.git(['show', `main:${file}`])) as ExceptionManifest)
          : undefined;
      };
      return Promise.resolve({ target, read });
    },
  },
  {
    name: 'recording',
    observable: true,
    open: () => {
      const target = new RecordingTarget();
      return Promise.resolve({ target, read: (ns, name) => target.objects.get(`${ns}/${name}`) });
    },
  },
];

const manifest = renderPolicyException(activeRecord(), defaultSettings);
const { name } = manifest.metadata;
const NS = 'policy-exceptions';
const seen = (m: ExceptionManifest | undefined) =>
  m && { labels: m.metadata.labels, annotations: m.metadata.annotations, spec: m.spec };

// Without git on the machine the Git target's cases are left out (the run says how to get git).
const gitRuns = hasGit();
const targets = every.filter((t) => t.name !== 'git' || gitRuns);

describe.each(targets)('$name target contract', ({ open, observable }) => {
  it('holds what was written, exactly as rendered', async () => {
    const { target, read } = await open();
    await target.write(manifest);
    expect(seen(read(NS, name))).toEqual(seen(manifest));
  });

  it('writes idempotently, and a second write replaces the first', async () => {
    const { target, read } = await open();
    await target.write(manifest);
    await target.write(manifest);
    expect(seen(read(NS, name))).toEqual(seen(manifest));
    const renewed = renderPolicyException(
      activeRecord({ expiresAt: '2026-12-30T00:00:00Z' }),
      defaultSettings,
    );
    await target.write(renewed);
    expect(seen(read(NS, name))).toEqual(seen(renewed));
  });

  it('removes idempotently, also what was never written', async () => {
    const { target, read } = await open();
    await target.write(manifest);
    await target.remove(NS, name);
    expect(read(NS, name)).toBeUndefined();
    await target.remove(NS, name);
    await target.remove(NS, 'never-written');
    expect(read(NS, name)).toBeUndefined();
  });

  it('lists what it holds with the labels written, when it can be read back', async () => {
    const { target } = await open();
    // A folder is read by Git and Argo CD, not by Waiver: drift and rogue detection need a cluster.
    expect(target.capabilities.observable).toBe(observable);
    if (!observable) {
      await expect(target.list()).rejects.toMatchObject({ code: 'usage', field: 'target' });
      return;
    }
    expect(await target.list()).toEqual([]);
    await target.write(manifest);
    const listed = await target.list();
    expect(listed.map((o) => [o.namespace, o.name])).toEqual([[NS, name]]);
    expect(listed[0]?.labels).toMatchObject(manifest.metadata.labels ?? {});
    expect(listed[0]?.spec).toEqual(manifest.spec);
    await target.remove(NS, name);
    expect(await target.list()).toEqual([]);
  });
});
