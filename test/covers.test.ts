import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, json, requestArgs } from './support/cli.js';
import { useTempDir } from './support/temp.js';

const tempDir = useTempDir();
const fixture = (path: string) => join(import.meta.dirname, 'fixtures', 'kyverno', path);

describe('waiver covers', () => {
  it('answers which resources an exception covers, reading namespace labels from Namespace objects (#24)', async () => {
    const cwd = tempDir();
    const resources = join(cwd, 'cluster.yaml');
    writeFileSync(
      resources,
      [
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-1\n  labels:\n    kyverno.tess.io/mutateresource: "false"',
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-2',
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: ns-1\nspec:\n  containers: [{name: c, image: busybox}]',
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n  namespace: ns-2\nspec:\n  containers: [{name: c, image: busybox}]',
      ].join('\n---\n'),
    );
    const exception = fixture('chainsaw-cli-apply-exception-ns-selector/exception.yaml');
    const result = json<{
      items: { resource: { name: string }; rule: string; covered: unknown; exceptions: string[] }[];
    }>(await cli(cwd, ['covers', '-f', exception, '--resources', resources, '-o', 'json']));
    expect(result.items.map((i) => [i.resource.name, i.rule, i.covered, i.exceptions])).toEqual([
      ['a', 'run-as-non-root-user', true, ['exception']],
      ['b', 'run-as-non-root-user', false, []],
    ]);
    const table = await cli(cwd, ['covers', '-f', exception, '--resources', resources]);
    expect(table.stdout).toContain('1 covered, 0 unknown, 1 not covered');
  });

  it("covers what Waiver's own manifest names, until its expiry condition ends it", async () => {
    const cwd = tempDir();
    expect((await cli(cwd, [...requestArgs('MIG-7'), '-o', 'name'], { as: 'alice' })).code).toBe(0);
    const manifest = join(cwd, 'exception.yaml');
    writeFileSync(manifest, (await cli(cwd, ['render', 'EX-1'])).stdout);
    const pods = join(cwd, 'pods.yaml');
    writeFileSync(
      pods,
      ['payments-api-1', 'billing-api-1']
        .map((name) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: payments`)
        .join('\n---\n'),
    );
    const covered = json<{ items: { resource: { name: string }; rule: string; covered: unknown }[] }>(
      await cli(cwd, ['covers', '-f', manifest, '--resources', pods, '-o', 'json']),
    );
    expect(
      covered.items
        .filter((i) => i.rule === 'check-image-signature')
        .map((i) => [i.resource.name, i.covered]),
    ).toEqual([
      ['payments-api-1', true],
      ['billing-api-1', false],
    ]);
  });

  it('weighs podSecurity exceptions on the pod with the policy given (#3): skip, pass, fail', async () => {
    const cwd = tempDir();
    const folder = fixture('cli-test-exceptions-3-podsecurity-restrictedfield');
    const result = json<{ items: { resource: { name: string }; covered: unknown; why: string }[] }>(
      await cli(cwd, [
        'covers',
        '-f',
        join(folder, 'exception.yaml'),
        '--resources',
        join(folder, 'resources.yaml'),
        '--policies',
        join(folder, 'policy.yaml'),
        '-o',
        'json',
      ]),
    );
    expect(result.items.map((i) => [i.resource.name, i.covered])).toEqual([
      ['good-pod', false],
      ['excluded-pod', true],
      ['bad-pod', false],
    ]);
    expect(result.items[0]?.why).toBe('it passes Pod Security baseline:latest without any exception');
  });

  it('refuses what it cannot read, naming the flag, and changes nothing', async () => {
    const cwd = tempDir();
    expect(await cli(cwd, ['covers', '--resources', cwd])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('-f EXCEPTION.yaml') as unknown,
    });
    const exception = fixture('chainsaw-allows-rejects-creation/exception.yaml');
    expect((await cli(cwd, ['covers', '-f', exception])).code).toBe(2);
    const notAnException = fixture('chainsaw-allows-rejects-creation/configmap-allowed.yaml');
    expect(await cli(cwd, ['covers', '-f', notAnException, '--resources', notAnException])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no kyverno.io PolicyException') as unknown,
    });
    expect(
      (await cli(cwd, ['covers', '-f', join(cwd, 'missing.yaml'), '--resources', cwd])).stderr,
    ).toContain('cannot read');
  });
});

describe('waiver covers --policies', () => {
  const upstream = (path: string) => fixture(`upstream/conformance/chainsaw/${path}`);

  it('only the policies given get rows, and an exception naming another is a note, not rows', async () => {
    const cwd = tempDir();
    const folder = upstream('image-validating-policies/exceptions/wrong-exception');
    const args = ['covers', '-f', join(folder, 'exception.yaml'), '--policies', join(folder, 'policy.yaml')];
    const resources = [
      '--resources',
      join(folder, 'good-deployment.yaml'),
      '--resources',
      join(folder, 'skipped-deployment.yaml'),
    ];
    const result = json<{
      items: { resource: { name: string }; policy: string; covered: unknown }[];
      notes: string[];
    }>(await cli(cwd, [...args, ...resources, '-o', 'json']));
    expect(result.items.map((i) => [i.resource.name, i.policy, i.covered])).toEqual([
      ['good-deployment', 'ImageValidatingPolicy/ivpol-sample', false],
      ['skipped-deployment', 'ImageValidatingPolicy/ivpol-sample', false],
    ]);
    expect(result.notes).toEqual([
      'exception check-name names policy ImageValidatingPolicy/not-ivpol-sample, which is not among the policies given: nothing is checked against it',
    ]);
    const table = await cli(cwd, [...args, ...resources]);
    expect(table.stdout).toContain(
      '0 covered, 0 unknown, 2 not covered\nnote: exception check-name names policy',
    );
  });

  it('Namespace objects a GeneratingPolicy selects are resources with rows', async () => {
    const cwd = tempDir();
    const folder = upstream('generating-policies/exceptions/data-generate-cm');
    const result = json<{ items: { resource: { kind: string; name: string }; covered: unknown }[] }>(
      await cli(cwd, [
        'covers',
        '-f',
        join(folder, 'exception.yaml'),
        '--resources',
        join(folder, 'triggers.yaml'),
        '--policies',
        join(folder, 'policy.yaml'),
        '-o',
        'json',
      ]),
    );
    expect(result.items.map((i) => [i.resource.kind, i.resource.name, i.covered])).toEqual([
      ['Namespace', 'testing', true],
      ['Namespace', 'production', false],
      ['Namespace', 'staging', false],
    ]);
  });

  it('a policy whose match condition does not compile is a note naming it and the expression; no crash', async () => {
    const cwd = tempDir();
    const policy = join(cwd, 'policy.yaml');
    writeFileSync(
      policy,
      [
        'apiVersion: policies.kyverno.io/v1',
        'kind: ValidatingPolicy',
        'metadata: {name: broken}',
        'spec:',
        '  matchConstraints:',
        "    resourceRules: [{apiGroups: [''], apiVersions: [v1], operations: [CREATE], resources: [pods]}]",
        '  matchConditions: [{name: half, expression: "object.metadata.name =="}]',
      ].join('\n'),
    );
    const exception = join(cwd, 'exception.yaml');
    writeFileSync(
      exception,
      'apiVersion: policies.kyverno.io/v1\nkind: PolicyException\nmetadata: {name: ex, namespace: p}\nspec:\n  policyRefs: [{name: broken, kind: ValidatingPolicy}]',
    );
    const pods = join(cwd, 'pods.yaml');
    writeFileSync(pods, 'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: payments}');
    const result = await cli(cwd, ['covers', '-f', exception, '--resources', pods, '--policies', policy]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('No resource is matched by the rules given.');
    expect(result.stdout).toMatch(
      /note: ValidatingPolicy\/broken: matchConditions half does not compile \(.+\): object\.metadata\.name ==/,
    );
    // A --policies path without any policy in it is refused, naming the flag.
    expect(
      await cli(cwd, ['covers', '-f', exception, '--resources', pods, '--policies', pods]),
    ).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        'no policy (ClusterPolicy, Policy or a policies.kyverno.io policy)',
      ) as unknown,
    });
  });
});
