import * as c from './checks.js';
import type { CheckFn } from './checks.js';

export type Level = 'privileged' | 'baseline' | 'restricted';
export const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];

/** `latest`, or the minor of `v1.N`. */
export type Version = number | 'latest';

interface VersionedCheck {
  minimum: number;
  check: CheckFn;
  /** Baseline checks this restricted check replaces at the restricted level (Kubernetes only). */
  overrides?: readonly string[];
}

export interface Check {
  id: string;
  level: 'baseline' | 'restricted';
  versions: readonly VersionedCheck[];
}

/**
 * Which evaluation: `kubernetes` is the Pod Security admission of `k8s.io/pod-security-admission`
 * (read at 8f84a87, checks up to v1.37); `kyverno` is what Kyverno's engine runs (pkg/pss/evaluate.go
 * over its fork of that package at 46f2077, checks up to v1.34), quirks included.
 */
export type Engine = 'kubernetes' | 'kyverno';

const v = (minimum: number, check: CheckFn, overrides?: readonly string[]): VersionedCheck =>
  overrides ? { minimum, check, overrides } : { minimum, check };

/** Kyverno's fork, in the order its `init()`s register them (file names, alphabetically). */
export const KYVERNO_CHECKS: readonly Check[] = [
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    versions: [v(8, c.allowPrivilegeEscalation1_8), v(25, c.allowPrivilegeEscalation1_25)],
  },
  { id: 'appArmorProfile', level: 'baseline', versions: [v(0, c.appArmorProfile1_0)] },
  { id: 'capabilities_baseline', level: 'baseline', versions: [v(0, c.capabilitiesBaseline1_0)] },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    versions: [
      v(22, c.capabilitiesRestricted1_22, ['capabilities_baseline']),
      v(25, c.capabilitiesRestricted1_25, ['capabilities_baseline']),
    ],
  },
  { id: 'hostNamespaces', level: 'baseline', versions: [v(0, c.hostNamespaces1_0)] },
  { id: 'hostPathVolumes', level: 'baseline', versions: [v(0, c.hostPathVolumes1_0)] },
  { id: 'hostPorts', level: 'baseline', versions: [v(0, c.hostPorts1_0)] },
  {
    id: 'hostProbesAndHostLifecycle',
    level: 'baseline',
    versions: [v(34, c.hostProbesAndHostLifecycle1_34)],
  },
  { id: 'privileged', level: 'baseline', versions: [v(0, c.privileged1_0)] },
  // The fork relaxes procMount, runAsNonRoot and runAsUser for user-namespaced pods only behind a
  // switch (RelaxPolicyForUserNamespacePods) that Kyverno never turns on.
  { id: 'procMount', level: 'baseline', versions: [v(0, c.procMount1_0)] },
  {
    id: 'restrictedVolumes',
    level: 'restricted',
    versions: [v(0, c.restrictedVolumes1_0, ['hostPathVolumes'])],
  },
  { id: 'runAsNonRoot', level: 'restricted', versions: [v(0, c.runAsNonRoot1_0)] },
  { id: 'runAsUser', level: 'restricted', versions: [v(23, c.runAsUser1_23)] },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    versions: [v(0, c.seLinuxOptions1_0), v(31, c.seLinuxOptions1_31)],
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    versions: [v(0, c.seccompProfileBaseline1_0), v(19, c.seccompProfileBaseline1_19)],
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    versions: [
      v(19, c.seccompProfileRestricted1_19, ['seccompProfile_baseline']),
      v(25, c.seccompProfileRestricted1_25, ['seccompProfile_baseline']),
    ],
  },
  {
    id: 'sysctls',
    level: 'baseline',
    versions: [v(0, c.sysctls1_0), v(27, c.sysctls1_27), v(29, c.sysctls1_29), v(32, c.sysctls1_32)],
  },
  { id: 'windowsHostProcess', level: 'baseline', versions: [v(0, c.windowsHostProcess1_0)] },
];

const replaced = (id: string, versions: readonly VersionedCheck[]): Check[] =>
  KYVERNO_CHECKS.map((check) => (check.id === id ? { ...check, versions } : check));

/** Upstream Kubernetes: the fork's checks plus what came after it (v1.35 user namespaces, v1.37 sysctls). */
export const KUBERNETES_CHECKS: readonly Check[] = [
  ...replaced('procMount', [v(0, c.procMount1_0), v(35, c.procMount1_35Baseline)]).map((check) =>
    check.id === 'runAsNonRoot'
      ? { ...check, versions: [v(0, c.runAsNonRoot1_0), v(35, c.runAsNonRoot1_35)] }
      : check.id === 'runAsUser'
        ? { ...check, versions: [v(23, c.runAsUser1_23), v(35, c.runAsUser1_35)] }
        : check.id === 'sysctls'
          ? { ...check, versions: [...check.versions, v(37, c.sysctls1_37)] }
          : check.id === 'restrictedVolumes'
            ? { ...check, versions: [v(0, c.restrictedVolumesDefaulted1_0, ['hostPathVolumes'])] }
            : check,
  ),
  {
    id: 'procMount_restricted',
    level: 'restricted',
    versions: [v(35, c.procMount1_0, ['procMount'])],
  },
];

const newest = (checks: readonly Check[]): number =>
  Math.max(...checks.flatMap((check) => check.versions.map((x) => x.minimum)));

export const KUBERNETES_MAX_MINOR = newest(KUBERNETES_CHECKS);
export const KYVERNO_MAX_MINOR = newest(KYVERNO_CHECKS);

export interface Selected {
  id: string;
  check: CheckFn;
}

/**
 * Upstream's registry (policy/registry.go): a check applies from its first version on; `latest` and
 * versions past the newest check mean the newest; the restricted level is the restricted checks plus the
 * baseline checks none of them overrides at that version; `privileged` checks nothing. Baseline checks
 * first, then restricted, each sorted by id.
 */
function kubernetesChecks(level: Level, version: Version): Selected[] {
  if (level === 'privileged') return [];
  const minor = version === 'latest' ? KUBERNETES_MAX_MINOR : Math.min(version, KUBERNETES_MAX_MINOR);
  const at = (check: Check): VersionedCheck | undefined =>
    check.versions.filter((x) => x.minimum <= minor).at(-1);
  const applying = KUBERNETES_CHECKS.map((check) => ({ check, selected: at(check) })).filter(
    (x): x is { check: Check; selected: VersionedCheck } => x.selected !== undefined,
  );
  const overridden = new Set(
    level === 'restricted'
      ? applying.filter((x) => x.check.level === 'restricted').flatMap((x) => x.selected.overrides ?? [])
      : [],
  );
  const byId = (a: { check: Check }, b: { check: Check }) => (a.check.id < b.check.id ? -1 : 1);
  const baseline = applying.filter((x) => x.check.level === 'baseline' && !overridden.has(x.check.id));
  const restricted = level === 'restricted' ? applying.filter((x) => x.check.level === 'restricted') : [];
  return [...baseline.sort(byId), ...restricted.sort(byId)].map((x) => ({
    id: x.check.id,
    check: x.selected.check,
  }));
}

/**
 * Kyverno's evaluatePSS, quirks and all: every check takes its first version even below that version's
 * minimum (so `v1.0` runs allowPrivilegeEscalation), the newest version not newer than the rule's; the
 * baseline level skips restricted checks, but any other level (restricted, and `privileged` too) runs
 * every check, with no override: a restricted rule judges both capabilities checks.
 */
function kyvernoChecks(level: Level, version: Version): Selected[] {
  return KYVERNO_CHECKS.filter((check) => !(level === 'baseline' && check.level !== 'baseline')).map(
    (check) => {
      let selected = check.versions[0] as VersionedCheck;
      for (const next of check.versions.slice(1))
        if ((version === 'latest' || version >= next.minimum) && selected.minimum < next.minimum)
          selected = next;
      return { id: check.id, check: selected.check };
    },
  );
}

export const checksFor = (engine: Engine, level: Level, version: Version): Selected[] =>
  engine === 'kubernetes' ? kubernetesChecks(level, version) : kyvernoChecks(level, version);

/**
 * `level` and `version` as a podSecurity rule gives them: a level Kyverno's CRD allows, and `latest`
 * (also when empty) or `v1.N` (api.ParseVersion). An Error names the bad field.
 */
export function parseLevelVersion(
  level: unknown,
  version: unknown,
): { level: Level; version: Version } | Error {
  if (typeof level !== 'string' || !(LEVELS as readonly string[]).includes(level))
    return new Error(`level ${JSON.stringify(level ?? null)} is not one of privileged, baseline, restricted`);
  if (version === undefined || version === null || version === '' || version === 'latest')
    return { level: level as Level, version: 'latest' };
  const match = typeof version === 'string' ? /^v1\.([0-9]|[1-9][0-9]*)$/.exec(version) : null;
  if (!match) return new Error(`version ${JSON.stringify(version)} is not "latest" or "v1.N"`);
  return { level: level as Level, version: Number(match[1]) };
}
