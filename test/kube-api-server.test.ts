import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { renderPolicyException, manifestToYaml } from '../src/domain/render.js';
import { defaultSettings } from '../src/domain/settings.js';
import { FakeKubeApiServer } from './support/kube/fake-api-server.js';
import { activeRecord } from './support/records.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const servers: FakeKubeApiServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

/** The machine's real kubectl, isolated: its own kubeconfig and cache folder, nothing from the user. */
function kubectl(
  dir: string,
  args: string[],
  input = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('kubectl', [...args, '--cache-dir', join(dir, 'cache')], {
      env: { PATH: process.env['PATH'] ?? '', HOME: dir, KUBECONFIG: join(dir, 'kubeconfig') },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
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

describe('the test Kubernetes API server, as the real kubectl sees it', () => {
  it('answers version and discovery', async () => {
    const { dir } = await setup();
    const version = await kubectl(dir, ['version', '-o', 'json']);
    expect(JSON.parse(version.stdout).serverVersion.gitVersion).toBe('v1.31.0-waiver-test');
    const resources = await kubectl(dir, ['api-resources', '--api-group', 'kyverno.io', '-o', 'name']);
    expect(resources.stdout.split('\n').filter(Boolean).sort()).toEqual([
      'clusterpolicies.kyverno.io',
      'policyexceptions.kyverno.io',
    ]);
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
