import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CoverageReport } from '../src/service/exception-coverage.js';
import { cli, json, requestArgs } from './support/cli.js';
import { useTestCluster } from './support/kube/cluster.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();

const policy = `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: disallow-latest-tag
spec:
  rules:
  - name: require-image-tag
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      pattern:
        spec:
          containers:
          - image: "!*:latest"
`;

const exception = `apiVersion: kyverno.io/v2
kind: PolicyException
metadata:
  name: legacy-web
  namespace: kyverno
spec:
  exceptions:
  - policyName: disallow-latest-tag
    ruleNames: [require-image-tag, autogen-require-image-tag]
  match:
    any:
    - resources:
        kinds: [Pod, Deployment]
        namespaces: [web]
`;

const pod = (name: string, image: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: web\nspec:\n  containers:\n  - name: c\n    image: ${image}`;

const vpol = `apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata:
  name: no-host-network
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [pods]
  validations:
  - expression: "!has(object.spec.hostNetwork) || !object.spec.hostNetwork"
`;

describe('covers: would it still fail without the exception?', () => {
  it('shows per resource whether the rule would fail, and how many already pass', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'policy.yaml'), policy);
    writeFileSync(join(cwd, 'exception.yaml'), exception);
    writeFileSync(
      join(cwd, 'pods.yaml'),
      [pod('web-1', 'nginx:latest'), pod('web-2', 'nginx:1.27'), pod('web-3', 'redis:latest')].join(
        '\n---\n',
      ),
    );
    const args = [
      'covers',
      '-f',
      join(cwd, 'exception.yaml'),
      '--resources',
      join(cwd, 'pods.yaml'),
      '--policies',
      join(cwd, 'policy.yaml'),
    ];
    const table = await cli(cwd, args);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('WITHOUT EXCEPTION');
    expect(table.stdout).toContain('3 covered, 0 unknown, 0 not covered');
    expect(table.stdout).toContain('exempts 3 pods; 1 of them already passes');
    const result = json<{
      items: { resource: { name: string }; withoutException?: { verdict: string; why: string } }[];
      exemption: { resources: number; alreadyPass: number; stillFail: number };
    }>(await cli(cwd, [...args, '-o', 'json']));
    expect(result.items.map((i) => [i.resource.name, i.withoutException?.verdict])).toEqual([
      ['web-1', 'would-fail'],
      ['web-2', 'would-pass'],
      ['web-3', 'would-fail'],
    ]);
    expect(result.exemption).toMatchObject({ resources: 3, alreadyPass: 1, stillFail: 2 });
  });

  it('without policies there is nothing to judge by: no column, no summary', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'exception.yaml'), exception);
    writeFileSync(join(cwd, 'pods.yaml'), pod('web-1', 'nginx:latest'));
    const table = await cli(cwd, [
      'covers',
      '-f',
      join(cwd, 'exception.yaml'),
      '--resources',
      join(cwd, 'pods.yaml'),
    ]);
    expect(table.stdout).not.toContain('WITHOUT EXCEPTION');
    expect(table.stdout).not.toContain('exempts');
  });

  it('a policy with an unknown anchor is a finding naming it, not a crash', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'policy.yaml'),
      policy.replace('- image: "!*:latest"', '- "!(image)": "*:latest"'),
    );
    writeFileSync(join(cwd, 'exception.yaml'), exception);
    writeFileSync(join(cwd, 'pods.yaml'), pod('web-1', 'nginx:latest'));
    const out = await cli(cwd, [
      'covers',
      '-f',
      join(cwd, 'exception.yaml'),
      '--resources',
      join(cwd, 'pods.yaml'),
      '--policies',
      join(cwd, 'policy.yaml'),
    ]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(
      /finding: ClusterPolicy disallow-latest-tag rule require-image-tag: .*!\(image\)/,
    );
    expect(out.stdout).toContain('exempts 1 pod; whether it would pass without it is unknown');
  });

  it('judges a ValidatingPolicy by its CEL validations', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'policy.yaml'), vpol);
    writeFileSync(
      join(cwd, 'exception.yaml'),
      `apiVersion: policies.kyverno.io/v1\nkind: PolicyException\nmetadata:\n  name: host-net\n  namespace: web\nspec:\n  policyRefs:\n  - name: no-host-network\n    kind: ValidatingPolicy\n`,
    );
    writeFileSync(
      join(cwd, 'pods.yaml'),
      [`${pod('web-1', 'nginx:1')}\n  hostNetwork: true`, pod('web-2', 'nginx:1')].join('\n---\n'),
    );
    const result = json<{ items: { resource: { name: string }; withoutException?: { verdict: string } }[] }>(
      await cli(cwd, [
        'covers',
        '-f',
        join(cwd, 'exception.yaml'),
        '--resources',
        join(cwd, 'pods.yaml'),
        '--policies',
        join(cwd, 'policy.yaml'),
        '-o',
        'json',
      ]),
    );
    expect(result.items.map((i) => [i.resource.name, i.withoutException?.verdict])).toEqual([
      ['web-1', 'would-fail'],
      ['web-2', 'would-pass'],
    ]);
  });
});

const testCluster = useTestCluster();

describe('request --preview and covers EX-N against the cluster', () => {
  async function setup() {
    const { api, dir, kubeconfig } = await testCluster();
    api.seed('kyverno.io/v1', 'ClusterPolicy', {
      metadata: { name: 'require-image-signature' },
      spec: {
        rules: [
          {
            name: 'check-image-signature',
            match: { any: [{ resources: { kinds: ['Pod'] } }] },
            validate: { pattern: { spec: { containers: [{ image: 'registry.example.com/*' }] } } },
          },
        ],
      },
    });
    const pod = (name: string, image: string) =>
      api.seed('v1', 'Pod', {
        metadata: { name, namespace: 'payments' },
        spec: { containers: [{ name: 'app', image }] },
      });
    pod('payments-api-1', 'registry.example.com/api:1');
    pod('payments-api-2', 'docker.io/api:1');
    pod('payments-api-3', 'docker.io/api:2');
    const config = join(dir, 'waiver.yaml');
    writeFileSync(config, 'kubernetes: {attempts: 1}\n');
    return (args: string[], as = 'alice') =>
      cli(dir, [...args, '--config', config, '--kubeconfig', kubeconfig, '--context', 'test'], { as });
  }

  it('says how many of the pods a request exempts already pass', async () => {
    const waiver = await setup();
    const table = await waiver([...requestArgs('MIG-8'), '--preview']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('exempts 3 pods; 1 of them already passes');
    expect(table.stdout).toMatch(/Pod payments\/payments-api-1 .* yes +would-pass/);
    expect(table.stdout).toMatch(/Pod payments\/payments-api-2 .* yes +would-fail/);
    const report = json<CoverageReport>(await waiver([...requestArgs('MIG-8'), '--preview', '-o', 'json']));
    expect(report.exemption).toEqual({ resources: 3, alreadyPass: 1, stillFail: 2, unknown: 0, noun: 'pod' });
    expect(report.items.find((i) => i.resource.name === 'payments-api-2')?.withoutException).toMatchObject({
      verdict: 'would-fail',
    });

    expect((await waiver([...requestArgs('MIG-9'), '-o', 'name'])).code).toBe(0);
    expect((await waiver(['covers', 'EX-1'], 'bob')).stdout).toContain(
      'exempts 3 pods; 1 of them already passes',
    );
  });
});
