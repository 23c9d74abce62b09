import { wildcardMatch } from '../wildcard.js';
import type { CheckFailure, FieldError } from './checks.js';
import { CONTROL_CHECKS, controlOf } from './controls.js';
import { arr, containerAt, obj, podOf, str, type ContainerList, type PodUnderCheck } from './pod.js';
import { checksFor, parseLevelVersion, type Engine, type Level, type Version } from './registry.js';

/** One failing field, as Kyverno's exemptions see it. */
export interface PssFailedField {
  /** Where in the pod: `spec.initContainers[1].securityContext.capabilities.add`. */
  path: string;
  /** Kyverno's notation, what an exemption's `restrictedField` must equal: indexes as `*`. */
  restrictedField: string;
  /** The offending values as an exemption's `values` must match them (Kyverno's extractBadValues). */
  values: string[];
  /** For a field of a container: which one. */
  container?: { name: string; image: string };
}

/** A check the pod fails, under Kyverno's control name. */
export interface PssFailure {
  /** Upstream's check id: `capabilities_baseline`. */
  check: string;
  /** Kyverno's control name: `Capabilities`. */
  control: string;
  reason: string;
  detail: string;
  fields: PssFailedField[];
}

export type PodCheck =
  { status: 'pass' } | { status: 'fail'; failures: PssFailure[] } | { status: 'error'; error: string };

interface Evaluated {
  id: string;
  failure: CheckFailure;
}

function evaluate(engine: Engine, level: Level, version: Version, pod: PodUnderCheck): Evaluated[] {
  return checksFor(engine, level, version).flatMap(({ id, check }) => {
    const failure = check(pod);
    return failure ? [{ id, failure }] : [];
  });
}

const CONTAINER_FIELD = /^spec\.(initContainers|containers|ephemeralContainers)\[(\d+)\]/;

/** Kyverno's extractBadValues: strings (not empty), booleans, integers and string lists. */
function badValues(value: FieldError['badValue']): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (typeof value === 'boolean' || typeof value === 'number') return [String(value)];
  return [...value];
}

function describe(pod: PodUnderCheck, { id, failure }: Evaluated): PssFailure {
  return {
    check: id,
    control: controlOf(id),
    reason: failure.reason,
    detail: failure.detail,
    fields: (failure.errors ?? []).map((e) => {
      const field: PssFailedField = {
        path: e.field,
        restrictedField: e.field.replace(/\d+/g, '*'),
        values: badValues(e.badValue),
      };
      const at = CONTAINER_FIELD.exec(e.field);
      if (at) {
        const container = containerAt(pod, at[1] as ContainerList, Number(at[2]));
        field.container = { name: str(container['name']), image: str(container['image']) };
      }
      return field;
    }),
  };
}

/**
 * The Pod Security Standard checks a pod (or the pod template of a controller or CronJob) fails at a
 * level and version. `kubernetes` (the default) judges as Pod Security admission does; `kyverno` as
 * Kyverno's podSecurity rules do. Bad input (not a pod holder, an unknown level or version) is an
 * `error` naming what is wrong.
 */
export function checkPod(
  resource: unknown,
  level: unknown,
  version: unknown,
  engine: Engine = 'kubernetes',
): PodCheck {
  const parsed = parseLevelVersion(level, version);
  if (parsed instanceof Error) return { status: 'error', error: parsed.message };
  const pod = podOf(resource);
  if (pod instanceof Error) return { status: 'error', error: pod.message };
  const failures = evaluate(engine, parsed.level, parsed.version, pod).map((e) => describe(pod, e));
  return failures.length ? { status: 'fail', failures } : { status: 'pass' };
}

/** A `podSecurity` entry of a PolicyException, or an `exclude` entry of the rule itself. */
export interface PodSecurityExemption {
  controlName: string;
  images?: readonly string[] | undefined;
  restrictedField?: string | undefined;
  values?: readonly string[] | undefined;
}

/** Entries as read from YAML: anything that is not an entry with a control name is left out. */
export function exemptionsOf(entries: unknown): PodSecurityExemption[] {
  return arr(entries).flatMap((e) => {
    const o = obj(e);
    if (!o || typeof o['controlName'] !== 'string') return [];
    return [
      {
        controlName: o['controlName'],
        images: arr(o['images']).map(str),
        restrictedField: str(o['restrictedField']),
        values: arr(o['values']).map(str),
      },
    ];
  });
}

const anyPattern = (patterns: readonly string[], value: string): boolean =>
  patterns.some((p) => wildcardMatch(p, value));

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** Kyverno's parseField: the field with indexes as `*`, its indexes, and the word after `spec`. */
function parseField(field: string): {
  starred: string;
  indexes: number[];
  list: string;
  inContainer: boolean;
} {
  const words = field.match(/[a-zA-Z]+/g) ?? [];
  const list = words[1] ?? '';
  return {
    starred: field.replace(/\d+/g, '*'),
    indexes: (field.match(/\d+/g) ?? []).map(Number),
    list,
    inContainer: CONTAINER_LISTS.has(list),
  };
}

const nameAt = (pod: PodUnderCheck, list: string, index: number): string =>
  str(containerAt(pod, list as ContainerList, index)['name']);

/**
 * Kyverno's exemptExclusions (pkg/pss/evaluate.go), step by step. Each failing field of the exemption's
 * own evaluation that the entry selects (its `restrictedField`, if any; every bad value matching one of
 * `values`, if any) removes the first remaining failure on the same field, in the same container for a
 * container-level entry. A check with no failure left is gone.
 */
function exempt(
  failing: Map<string, FieldError[] | null>,
  excluded: readonly Evaluated[],
  entry: PodSecurityExemption,
  pod: PodUnderCheck,
  matching: PodUnderCheck | undefined,
): void {
  const checks = CONTROL_CHECKS[entry.controlName] ?? [];
  for (const { id, failure } of excluded) {
    if (!checks.includes(id) || !failure.errors) continue;
    for (const excludedError of failure.errors) {
      const ex = parseField(excludedError.field);
      const containerLevel = matching !== undefined && ex.inContainer;
      const excludedName = containerLevel ? nameAt(matching, ex.list, ex.indexes[0] ?? 0) : '';
      if (entry.restrictedField && ex.starred !== entry.restrictedField) continue;
      const values = entry.values ?? [];
      if (values.length && !badValues(excludedError.badValue).every((b) => anyPattern(values, b))) continue;
      const errors = failing.get(id);
      if (!errors) continue;
      const index = errors.findIndex((e) => {
        const d = parseField(e.field);
        if (matching !== undefined && d.inContainer)
          return d.starred === ex.starred && nameAt(pod, d.list, d.indexes[0] ?? 0) === excludedName;
        return d.starred === ex.starred;
      });
      if (index >= 0) {
        // Go's remove: the last error takes the removed one's place.
        errors[index] = errors[errors.length - 1] as FieldError;
        errors.pop();
      }
      if (index >= 0 && !errors.length) failing.delete(id);
    }
  }
}

/**
 * Kyverno's ApplyPodSecurityExclusion: an entry without images is judged on the pod with its containers
 * replaced by one empty container `fake` (pod-level fields only; the fake container's own failures count
 * once); an entry with images on a pod of only the containers whose image matches a pattern, with no
 * pod-level fields and no annotations.
 */
function applyExemptions(
  level: Level,
  version: Version,
  entries: readonly PodSecurityExemption[],
  failures: readonly Evaluated[],
  pod: PodUnderCheck,
): Evaluated[] {
  const failing = new Map(failures.map((f) => [f.id, f.failure.errors ? [...f.failure.errors] : null]));
  for (const entry of entries) {
    const images = entry.images ?? [];
    if (!images.length) {
      const podLevel: PodUnderCheck = {
        metadata: pod.metadata,
        spec: { ...pod.spec, containers: [{ name: 'fake' }], initContainers: [], ephemeralContainers: [] },
      };
      exempt(failing, evaluate('kyverno', level, version, podLevel), entry, pod, undefined);
      continue;
    }
    const only = (list: ContainerList) =>
      arr(pod.spec[list]).filter((c) => anyPattern(images, str(obj(c)?.['image'])));
    const matching: PodUnderCheck = {
      metadata: { name: pod.metadata['name'], namespace: pod.metadata['namespace'] },
      spec: {
        containers: only('containers'),
        initContainers: only('initContainers'),
        ephemeralContainers: only('ephemeralContainers'),
      },
    };
    exempt(failing, evaluate('kyverno', level, version, matching), entry, pod, matching);
  }
  return failures.flatMap((f) => {
    if (!failing.has(f.id)) return [];
    const errors = failing.get(f.id) ?? null;
    return [{ id: f.id, failure: { ...f.failure, errors } }];
  });
}

/** A `validate.podSecurity` rule: level, version and its own `exclude`. */
export interface PodSecurityRule {
  level?: unknown;
  version?: unknown;
  exclude?: unknown;
}

export type PodSecurityResult =
  /** The pod passes the rule (after its own exclude): no exception plays a part. */
  | { status: 'pass' }
  /** It fails, and nothing is left failing once the exemptions are removed: the exceptions are used. */
  | { status: 'skip'; exempted: PssFailure[] }
  /** Something is left failing. */
  | { status: 'fail'; failures: PssFailure[] }
  | { status: 'error'; error: string };

/**
 * What Kyverno's validate_pss.go decides for a pod and a podSecurity rule, given the `podSecurity`
 * entries of all matching exceptions together (an exception without `podSecurity` skips the rule
 * before this is asked): the pod is checked at the rule's level and version minus the rule's `exclude`;
 * passing is `pass`; otherwise the exemptions are removed and nothing left is `skip`.
 */
export function podSecurityResult(
  resource: unknown,
  rule: PodSecurityRule,
  exemptions: readonly PodSecurityExemption[],
): PodSecurityResult {
  const parsed = parseLevelVersion(rule.level, rule.version);
  if (parsed instanceof Error) return { status: 'error', error: `podSecurity ${parsed.message}` };
  const pod = podOf(resource);
  if (pod instanceof Error) return { status: 'error', error: pod.message };
  const { level, version } = parsed;
  let failures = evaluate('kyverno', level, version, pod);
  const excludes = exemptionsOf(rule.exclude);
  if (excludes.length) failures = applyExemptions(level, version, excludes, failures, pod);
  if (!failures.length) return { status: 'pass' };
  const left = applyExemptions(level, version, exemptions, failures, pod);
  if (!left.length) return { status: 'skip', exempted: failures.map((f) => describe(pod, f)) };
  return { status: 'fail', failures: left.map((f) => describe(pod, f)) };
}
