import { parseCelPolicyRef } from '../../domain/cel-exception.js';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  RbacAuthorizationV1Api,
  VersionApi,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { ProcessSettings } from '../../domain/settings.js';
import type { DoctorFinding } from '../../domain/doctor-finding.js';
import { GUARD_NAME } from '../../domain/guard.js';
import { readClusterPolicy } from './cluster-policies.js';
import { describeKubeError, isNotFound } from './kube-errors.js';

type Finding = DoctorFinding;

/** What Waiver needs to be allowed to do: verb, resource, group, namespace (least privilege, deploy/rbac.yaml). */
export const requiredPermissions = (s: ProcessSettings) =>
  [
    // Read everywhere (rogue exceptions may be anywhere), write only where Kyverno reads them.
    ...['get', 'list', 'watch'].map((verb) => [verb, 'policyexceptions', 'kyverno.io', undefined] as const),
    ...['create', 'patch', 'delete'].map(
      (verb) => [verb, 'policyexceptions', 'kyverno.io', s.exceptionNamespace] as const,
    ),
    // The CEL PolicyException, for ValidatingPolicy and the other CEL kinds, the same way.
    ...['get', 'list', 'watch'].map(
      (verb) => [verb, 'policyexceptions', 'policies.kyverno.io', undefined] as const,
    ),
    ...['create', 'patch', 'delete'].map(
      (verb) => [verb, 'policyexceptions', 'policies.kyverno.io', s.exceptionNamespace] as const,
    ),
    // What `covers` reads: namespaces' labels and the workloads.
    ['list', 'namespaces', '', undefined],
    ['list', 'pods', '', undefined],
    ['list', 'deployments', 'apps', undefined],
    ['get', 'clusterpolicies', 'kyverno.io', undefined],
    ['get', 'policies', 'kyverno.io', undefined],
    ['get', 'namespaces', '', undefined],
    ['get', 'deployments', 'apps', s.kyvernoNamespace],
    ['get', 'leases', 'coordination.k8s.io', s.exceptionNamespace],
    ['create', 'leases', 'coordination.k8s.io', s.exceptionNamespace],
    ['update', 'leases', 'coordination.k8s.io', s.exceptionNamespace],
  ] as const;

const ADMISSION_CONTROLLER = 'kyverno-admission-controller';

/**
 * `waiver doctor`: checks a cluster before use and says what to fix. Every check runs, whatever the
 * others found; an unreachable cluster is the one finding that stops it.
 */
export async function diagnose(
  kc: KubeConfig,
  settings: ProcessSettings,
  policies: readonly string[],
): Promise<Finding[]> {
  const server = kc.getCurrentCluster()?.server ?? '(unknown)';
  const findings: Finding[] = [];
  const attempt = async (check: string, work: () => Promise<Finding | Finding[]>): Promise<void> => {
    try {
      const result = await work();
      findings.push(...(Array.isArray(result) ? result : [result]));
    } catch (e) {
      findings.push({ check, status: 'fail', message: describeKubeError(e, server) });
    }
  };
  try {
    const version = await kc.makeApiClient(VersionApi).getCode();
    findings.push({
      check: 'cluster',
      status: 'ok',
      message: `${server} answers (Kubernetes ${version.gitVersion})`,
    });
  } catch (e) {
    findings.push({
      check: 'cluster',
      status: 'fail',
      message: describeKubeError(e, server),
      fix: 'check --kubeconfig and --context',
    });
    return findings;
  }
  await attempt('crd', () => checkCrd(kc, settings));
  await attempt('exception-kinds', () => checkExceptionKinds(kc, policies));
  await attempt('kyverno', () => checkKyverno(kc, settings));
  await attempt('namespace', () => checkNamespace(kc, settings));
  await attempt('policies', () => checkPolicies(kc, policies));
  await attempt('rbac', () => checkRbac(kc, settings));
  await attempt('cleanup', () => checkCleanup(kc));
  await attempt('guard', () => checkGuard(kc));
  return findings;
}

/** The CRD of the configured apiVersion's group serves its version. */
async function checkCrd(kc: KubeConfig, settings: ProcessSettings): Promise<Finding> {
  const [group = 'kyverno.io', want = 'v2'] = settings.apiVersion.split('/');
  const crd = `policyexceptions.${group}`;
  const versions = await crdVersions(kc, crd);
  if (!versions)
    return {
      check: 'crd',
      status: 'fail',
      message: `no PolicyException CRD (${crd})`,
      fix: group === 'kyverno.io' ? 'install Kyverno >= 1.12' : 'install Kyverno >= 1.15',
    };
  const served = versions.served.join(', ');
  return versions.served.includes(want)
    ? { check: 'crd', status: 'ok', message: `PolicyException CRD serves ${served}` }
    : {
        check: 'crd',
        status: 'fail',
        message: `PolicyException CRD serves ${served}, not ${want}`,
        fix: `upgrade Kyverno (kyverno.io/v2 needs >= 1.12) or set apiVersion: ${group}/${versions.served[0] ?? 'v2beta1'}`,
      };
}

async function checkKyverno(kc: KubeConfig, settings: ProcessSettings): Promise<Finding[]> {
  let args: string[];
  try {
    const deployment = await kc
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name: ADMISSION_CONTROLLER, namespace: settings.kyvernoNamespace });
    args = (deployment.spec?.template.spec?.containers ?? []).flatMap((c) => [
      ...(c.args ?? []),
      ...(c.command ?? []),
    ]);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    return [
      {
        check: 'kyverno',
        status: 'fail',
        message: `no Deployment ${ADMISSION_CONTROLLER} in namespace ${settings.kyvernoNamespace}`,
        fix: 'set kyvernoNamespace: to where Kyverno runs',
      },
    ];
  }
  const flag = (name: string): string | undefined =>
    args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const helm = `Helm values: features.policyExceptions.enabled: true, features.policyExceptions.namespace: ${settings.exceptionNamespace} (deploy/kyverno-values.yaml)`;
  const enabled = flag('enablePolicyException');
  const namespace = flag('exceptionNamespace');
  return [
    enabled === 'true'
      ? { check: 'kyverno', status: 'ok', message: 'Kyverno runs with --enablePolicyException=true' }
      : {
          check: 'kyverno',
          status: 'fail',
          message: `Kyverno runs with --enablePolicyException=${enabled ?? '(unset: off by default)'}: every exception is ignored`,
          fix: helm,
        },
    namespace === settings.exceptionNamespace || namespace === '*'
      ? {
          check: 'kyverno',
          status: namespace === '*' ? 'warn' : 'ok',
          message: `Kyverno reads exceptions from ${namespace === '*' ? 'every namespace: anyone who can create one there bypasses policies (CVE-2024-48921)' : namespace}`,
        }
      : {
          check: 'kyverno',
          status: 'fail',
          message: `Kyverno reads exceptions from ${namespace ?? '(unset: none)'}, Waiver writes them to ${settings.exceptionNamespace}`,
          fix: helm,
        },
  ];
}

async function checkNamespace(kc: KubeConfig, settings: ProcessSettings): Promise<Finding> {
  try {
    await kc.makeApiClient(CoreV1Api).readNamespace({ name: settings.exceptionNamespace });
    return { check: 'namespace', status: 'ok', message: `namespace ${settings.exceptionNamespace} exists` };
  } catch (e) {
    if (!isNotFound(e)) throw e;
    return {
      check: 'namespace',
      status: 'fail',
      message: `namespace ${settings.exceptionNamespace} does not exist`,
      fix: `kubectl create namespace ${settings.exceptionNamespace}`,
    };
  }
}

/** Served versions of a CRD (and which are deprecated), or undefined when it is not installed. */
async function crdVersions(kc: KubeConfig, name: string) {
  try {
    const crd = await kc.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name });
    const served = crd.spec.versions.filter((v) => v.served);
    return {
      served: served.map((v) => v.name),
      deprecated: served.filter((v) => v.deprecated).map((v) => v.name),
    };
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/**
 * Which PolicyException kind each requested policy needs, and whether this Kyverno serves it: a
 * ClusterPolicy or Policy takes kyverno.io, a CEL policy (Kind/name) takes policies.kyverno.io. Kyverno
 * 1.19 deprecates kyverno.io PolicyExceptions: each write then draws a warning.
 */
async function checkExceptionKinds(kc: KubeConfig, policies: readonly string[]): Promise<Finding[]> {
  const cel = await crdVersions(kc, 'policyexceptions.policies.kyverno.io');
  const classic = await crdVersions(kc, 'policyexceptions.kyverno.io');
  const findings: Finding[] = [
    cel
      ? {
          check: 'exception-kinds',
          status: 'ok',
          message: `CEL PolicyExceptions (policies.kyverno.io) served: ${cel.served.join(', ')}`,
        }
      : {
          check: 'exception-kinds',
          status: 'ok',
          message:
            'no CEL PolicyException CRD: exceptions for ValidatingPolicy and the other CEL kinds need Kyverno >= 1.15',
        },
  ];
  if (classic?.deprecated.length)
    findings.push({
      check: 'exception-kinds',
      status: 'warn',
      message: `Kyverno marks kyverno.io PolicyException ${classic.deprecated.join(', ')} deprecated: every write draws a warning`,
      fix: 'ClusterPolicies still need them; for CEL policies request policies.kyverno.io/v1 exceptions (--api-version policies.kyverno.io/v1)',
    });
  for (const policy of policies) {
    const needsCel = parseCelPolicyRef(policy) !== undefined;
    const kind = needsCel ? 'policies.kyverno.io/v1' : 'kyverno.io';
    const served = needsCel ? cel?.served.includes('v1') : classic !== undefined;
    findings.push(
      served
        ? { check: 'exception-kinds', status: 'ok', message: `${policy} takes a ${kind} PolicyException` }
        : {
            check: 'exception-kinds',
            status: 'fail',
            message: `${policy} takes a ${kind} PolicyException, which this Kyverno does not serve`,
            fix: needsCel ? 'upgrade Kyverno to >= 1.15' : 'install Kyverno >= 1.12',
          },
    );
  }
  return findings;
}

const policyLabel = (name: string): string =>
  parseCelPolicyRef(name) ? name : `${name.includes('/') ? 'Policy' : 'ClusterPolicy'} ${name}`;

async function checkPolicies(kc: KubeConfig, policies: readonly string[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const name of policies) {
    const policy = await readClusterPolicy(kc, name);
    findings.push(
      policy
        ? {
            check: 'policies',
            status: 'ok',
            message: parseCelPolicyRef(name)
              ? `${name} exists`
              : `${policyLabel(name)}: rules ${policy.rules.join(', ')} (autogen ${policy.autogen ? 'on' : 'off'})`,
          }
        : {
            check: 'policies',
            status: 'fail',
            message: `no ${policyLabel(name)}, which exceptions are requested for`,
            fix: 'check the policy name (it is compared exactly)',
          },
    );
  }
  return findings;
}

async function checkRbac(kc: KubeConfig, settings: ProcessSettings): Promise<Finding[]> {
  const api = kc.makeApiClient(AuthorizationV1Api);
  const missing: string[] = [];
  for (const [verb, resource, group, namespace] of requiredPermissions(settings)) {
    const review = await api.createSelfSubjectAccessReview({
      body: { spec: { resourceAttributes: { verb, resource, group, ...(namespace ? { namespace } : {}) } } },
    });
    if (!review.status?.allowed)
      missing.push(`${verb} ${resource}${group ? `.${group}` : ''}${namespace ? ` in ${namespace}` : ''}`);
  }
  return missing.length === 0
    ? [{ check: 'rbac', status: 'ok', message: 'Waiver may do all it needs' }]
    : [
        {
          check: 'rbac',
          status: 'fail',
          message: `Waiver may not: ${missing.join('; ')}`,
          fix: 'kubectl apply -f deploy/rbac.yaml',
        },
      ];
}

/** Whether the guard (waiver guard) refuses PolicyException writes that did not come through Waiver. */
async function checkGuard(kc: KubeConfig): Promise<Finding> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const where = { group: 'admissionregistration.k8s.io', version: 'v1', name: GUARD_NAME };
  try {
    await api.getClusterCustomObject({ ...where, plural: 'validatingadmissionpolicies' });
    await api.getClusterCustomObject({ ...where, plural: 'validatingadmissionpolicybindings' });
    return { check: 'guard', status: 'ok', message: `the guard ${GUARD_NAME} and its binding are installed` };
  } catch (e) {
    if (!isNotFound(e)) throw e;
    return {
      check: 'guard',
      status: 'warn',
      message: 'no guard: whoever may write PolicyExceptions can create one that never went through review',
      fix: 'waiver guard | kubectl apply -f - (or the chart with guard.enabled)',
    };
  }
}

async function checkCleanup(kc: KubeConfig): Promise<Finding> {
  const roles = await kc
    .makeApiClient(RbacAuthorizationV1Api)
    .listClusterRole({ labelSelector: 'rbac.kyverno.io/aggregate-to-cleanup-controller=true' });
  const grants = roles.items.some((r) =>
    (r.rules ?? []).some(
      (rule) =>
        (rule.resources ?? []).includes('policyexceptions') &&
        (rule.verbs ?? []).some((v) => v === 'delete' || v === '*'),
    ),
  );
  return grants
    ? {
        check: 'cleanup',
        status: 'ok',
        message: "Kyverno's cleanup controller may delete PolicyExceptions (the TTL label works)",
      }
    : {
        check: 'cleanup',
        status: 'warn',
        message:
          "Kyverno's cleanup controller may not delete PolicyExceptions: the TTL label is ignored, only Waiver removes expired ones",
        fix: 'kubectl apply -f deploy/rbac.yaml (its cleanup ClusterRole)',
      };
}
