import { autogenRuleNames, isPodController } from './autogen.js';
import { conditionsHold, filterReach, parseKindSelector } from './exception-match.js';
import { PSS_CONTAINER_LEVEL, PSS_CONTROLS, PSS_POD_LEVEL } from './pod-security.js';
import { controlReports } from './pss/controls.js';
import { TTL_LABEL, type PolicyExceptionManifest, type ResourceFilter } from './manifest.js';
import { celLintRules } from './lint-cel.js';
import { annotations, exceptionNamespace } from './lint-common.js';
import { error, warning, type ExceptionLintRule, type Finding, type RawFinding } from './lint-finding.js';
import { parseManifests, readExpiry } from './manifest-schema.js';
import type { ProcessSettings } from './settings.js';
import { parseRfc3339 } from './rfc3339.js';
import { DAY_MS } from './time.js';
import { hasWildcard, literalPrefix, wildcardMatch } from './wildcard.js';

/** A kyverno.io lint rule: the findings one PolicyException earns; the list below is the documentation. */
type LintRule = ExceptionLintRule<PolicyExceptionManifest>;

const filtersOf = (m: PolicyExceptionManifest) => [...(m.spec.match.any ?? []), ...(m.spec.match.all ?? [])];
const resourcesOf = (m: PolicyExceptionManifest): ResourceFilter[] =>
  filtersOf(m).map((f) => f.resources ?? {});
/** Filters that match something, with their reach: an empty one is reported once, as filter-empty. */
const scopedFilters = (m: PolicyExceptionManifest) =>
  filtersOf(m)
    .map((f) => ({ reach: filterReach(f), resources: f.resources ?? {} }))
    .filter(({ reach }) => !reach.empty);

const apiVersion: LintRule = ({ manifest }) => {
  if (manifest.apiVersion === 'kyverno.io/v2alpha1')
    return [
      error('api-version', 'kyverno.io/v2alpha1 is no longer served since Kyverno 1.12: use kyverno.io/v2'),
    ];
  if (manifest.apiVersion === 'kyverno.io/v2' || manifest.apiVersion === 'kyverno.io/v2beta1') return [];
  return [
    error(
      'api-version',
      `${manifest.apiVersion} is not a kyverno.io PolicyException version (use kyverno.io/v2)`,
    ),
  ];
};

const matchShape: LintRule = ({ manifest }) => {
  const { any, all } = manifest.spec.match;
  if (any !== undefined && all !== undefined)
    return [error('match-any-and-all', 'spec.match has both any and all: Kyverno accepts only one')];
  if ((any ?? all ?? []).length === 0)
    return [error('match-empty', 'spec.match is empty: the exception matches nothing')];
  return filtersOf(manifest)
    .map(filterReach)
    .flatMap((reach, i) =>
      reach.empty
        ? [error('filter-empty', `match filter ${i + 1} sets no field: Kyverno matches nothing with it`)]
        : [],
    );
};

/** The scope findings: each reads the reach the matcher computes for a filter (filterReach). */
const namespaces: LintRule = ({ manifest }) =>
  scopedFilters(manifest).flatMap(({ reach, resources }) => {
    if (reach.namespaces === 'every')
      return [error('namespaces-missing', 'a match filter has no namespaces: it applies in every namespace')];
    if (reach.namespaces === 'labels')
      return [
        warning(
          'namespace-selector',
          'a match filter picks namespaces only by their labels, which a namespace editor can change; and Kyverno 1.15.2–1.19 reads the namespace on every evaluation (issue #17139): list the namespaces',
        ),
      ];
    return (resources.namespaces ?? [])
      .filter(hasWildcard)
      .map((ns) => error('namespace-wildcard', `namespace "${ns}" is a wildcard: name each namespace`));
  });

const names: LintRule = ({ manifest, settings }) =>
  scopedFilters(manifest).flatMap(({ reach, resources }) => {
    if (reach.names === 'every')
      return [
        error('names-missing', 'a match filter has no names: it applies to every resource of its kinds'),
      ];
    if (reach.names === 'labels')
      return [
        warning(
          'names-by-labels',
          "a match filter picks resources only by labels or annotations, which the workload's owners set: name the resources",
        ),
      ];
    const both =
      resources.name && resources.names?.length
        ? [warning('name-and-names', 'both name and names are set: use names alone')]
        : [];
    const patterns = [...(resources.name ? [resources.name] : []), ...(resources.names ?? [])];
    return [
      ...both,
      ...patterns
        .filter((n) => hasWildcard(n) && literalPrefix(n).length < settings.minNamePrefix)
        .map((n) =>
          error(
            'names-broad',
            `name pattern "${n}" needs at least ${settings.minNamePrefix} literal characters before a wildcard`,
          ),
        ),
    ];
  });

const kinds: LintRule = ({ manifest }) =>
  scopedFilters(manifest).flatMap(({ reach, resources }) => [
    ...reach.invalidKinds.map((k) =>
      error(
        'kind-invalid',
        `kind "${k}" is not group/version/Kind/subresource: Kyverno matches nothing with it`,
      ),
    ),
    ...(reach.kinds === 'every'
      ? resources.kinds?.length
        ? resources.kinds
            .filter((k) => parseKindSelector(k).kind === '*')
            .map((k) => error('kinds-broad', `kind "${k}" covers every kind`))
        : [
            warning(
              'kinds-missing',
              'a match filter has no kinds: it applies to every kind in its namespaces',
            ),
          ]
      : []),
  ]);

const operations: LintRule = ({ manifest }) =>
  resourcesOf(manifest).some((r) => r.operations !== undefined)
    ? [
        warning(
          'operations-ignored',
          'operations is ignored by Kyverno (issue #17461): the exception also covers every other operation',
        ),
      ]
    : [];

const autogen: LintRule = ({ manifest }) => {
  const kindsListed = resourcesOf(manifest)
    .flatMap((r) => r.kinds ?? [])
    .map((k) => parseKindSelector(k).kind);
  if (!kindsListed.some(isPodController)) return [];
  return manifest.spec.exceptions.flatMap((e) => {
    const baseRules = e.ruleNames.filter((r) => !r.startsWith('autogen-') && !hasWildcard(r));
    const missing = baseRules
      .flatMap((r) => autogenRuleNames(r, kindsListed))
      .filter((needed) => !e.ruleNames.some((pattern) => wildcardMatch(pattern, needed)));
    return missing.map((m) =>
      error('autogen-missing', `kinds include Pod controllers but ruleNames of ${e.policyName} lack "${m}"`),
    );
  });
};

const ruleWildcards: LintRule = ({ manifest }) =>
  manifest.spec.exceptions.flatMap((e) => [
    ...(hasWildcard(e.policyName)
      ? [warning('policy-wildcard', `policy name "${e.policyName}" is a wildcard: name the policy`)]
      : []),
    ...e.ruleNames
      .filter(hasWildcard)
      .map((r) =>
        warning('rule-wildcard', `rule name "${r}" of ${e.policyName} is a wildcard: name each rule`),
      ),
  ]);

/**
 * The expiry, judged by the matcher's own condition evaluation: the time condition must hold just before
 * the instant it names and stop holding at it.
 */
const expiry: LintRule = ({ manifest, nowMs, settings }) => {
  const reading = readExpiry(manifest);
  const conditions = manifest.spec.conditions;
  if (reading.form === 'none' || !conditions)
    return [error('expiry-missing', 'no time condition: the exception never expires')];
  const expiresMs = parseRfc3339(reading.value ?? '');
  if (expiresMs === undefined)
    return [
      error(
        'expiry-unparseable',
        `"${reading.value ?? ''}" is not strict RFC 3339: Kyverno's time functions fail and it skips the exception`,
      ),
    ];
  // The time condition alone: the others may need the request, and do not change when it expires.
  const timeCondition = { all: reading.condition ? [reading.condition] : [] };
  const before = conditionsHold(timeCondition, { nowMs: expiresMs - 1000 });
  const after = conditionsHold(timeCondition, { nowMs: expiresMs });
  const findings: RawFinding[] = [];
  if (before.covered === false)
    findings.push(
      error(
        'expiry-ineffective',
        `the time condition does not hold even before ${reading.value ?? ''} (${before.why}): the exception never applies. Use key "{{ time_before('{{ time_now_utc() }}', '<RFC3339>') }}", operator Equals, value true`,
      ),
    );
  else if (after.covered === true)
    findings.push(
      error(
        'expiry-ineffective',
        `the time condition still holds after ${reading.value ?? ''}: it never expires`,
      ),
    );
  if (reading.block === 'any' && (conditions.any?.length ?? 0) > 1) {
    findings.push(
      error(
        'expiry-in-any',
        'the time condition sits in conditions.any beside others: the exception may apply after expiry',
      ),
    );
  }
  const max = settings.maxDays;
  if (expiresMs - nowMs > max * DAY_MS)
    findings.push(error('expiry-too-far', `expires ${reading.value ?? ''}, more than ${max} days from now`));
  if (expiresMs <= nowMs)
    findings.push(warning('expiry-past', `expired at ${reading.value ?? ''}: remove it`));
  if (manifest.metadata.labels?.[TTL_LABEL] === undefined) {
    findings.push(
      warning(
        'ttl-label-missing',
        `no ${TTL_LABEL} label: nothing deletes the object if the controller is down`,
      ),
    );
  }
  return findings;
};

/** What Kyverno's PolicyException webhook refuses (api/kyverno/v2 PolicyExceptionSpec.Validate). */
const userInfo: LintRule = ({ manifest }) =>
  manifest.spec.background !== false && filtersOf(manifest).some((f) => filterReach(f).byUser)
    ? [
        error(
          'user-info-background',
          'subjects, roles and clusterRoles need spec.background: false: Kyverno\'s webhook refuses the exception ("Usage of user info is forbidden")',
        ),
      ]
    : [];

const podSecurity: LintRule = ({ manifest }) =>
  (manifest.spec.podSecurity ?? []).flatMap((control, i) => {
    const at = `spec.podSecurity[${i}]`;
    const findings: RawFinding[] = [];
    if (!PSS_CONTROLS.has(control.controlName))
      findings.push(
        error(
          'pod-security-invalid',
          `${at}.controlName "${control.controlName}" is not a Pod Security Standard control`,
        ),
      );
    if (PSS_CONTAINER_LEVEL.has(control.controlName) && !control.images?.length)
      findings.push(
        error(
          'pod-security-invalid',
          `${at}: images must be specified for the container level control "${control.controlName}"`,
        ),
      );
    if (PSS_POD_LEVEL.has(control.controlName) && control.images?.length)
      findings.push(
        error(
          'pod-security-invalid',
          `${at}: images must not be specified for the pod level control "${control.controlName}"`,
        ),
      );
    if (control.restrictedField && !control.values?.length)
      findings.push(error('pod-security-invalid', `${at}.values is required with restrictedField`));
    if (!control.restrictedField && control.values?.length)
      findings.push(error('pod-security-invalid', `${at}.restrictedField is required with values`));
    if (
      control.restrictedField &&
      PSS_CONTROLS.has(control.controlName) &&
      !controlReports(control.controlName, control.restrictedField)
    )
      findings.push(
        warning(
          'pod-security-field',
          `${at}.restrictedField "${control.restrictedField}" is never reported for "${control.controlName}": the entry exempts nothing`,
        ),
      );
    return findings;
  });

export type { Finding, Severity } from './lint-finding.js';

/** Every kyverno.io lint rule, in the order findings are reported. */
export const lintRules: readonly LintRule[] = [
  apiVersion,
  exceptionNamespace,
  matchShape,
  namespaces,
  names,
  kinds,
  operations,
  autogen,
  ruleWildcards,
  userInfo,
  podSecurity,
  expiry,
  annotations,
];

/**
 * Lints every PolicyException in a YAML text (both kinds); other kinds are skipped, malformed documents
 * are findings. Says how many PolicyExceptions it read, so that a file of none is not called clean.
 */
export function lintDocuments(
  text: string,
  file: string,
  nowMs: number,
  settings: ProcessSettings,
): { findings: Finding[]; exceptions: number } {
  const documents = parseManifests(text);
  const findings = documents.flatMap((doc): Finding[] => {
    if (doc.kind === 'other') return [];
    if (doc.kind === 'invalid') {
      return [
        {
          file,
          object: `document ${doc.index + 1}`,
          rule: 'invalid-manifest',
          severity: 'error',
          message: `${doc.field}: ${doc.message}`,
        },
      ];
    }
    const { metadata } = doc.manifest;
    const object = `${metadata.namespace ? `${metadata.namespace}/` : ''}${metadata.name}`;
    const found =
      doc.kind === 'cel-exception'
        ? celLintRules.flatMap((rule) => rule({ manifest: doc.manifest, nowMs, settings }))
        : lintRules.flatMap((rule) => rule({ manifest: doc.manifest, nowMs, settings }));
    return found.map((f) => ({ file, object, ...f }));
  });
  const exceptions = documents.filter((d) => d.kind === 'exception' || d.kind === 'cel-exception').length;
  return { findings, exceptions };
}

/** The findings alone. */
export const lintText = (text: string, file: string, nowMs: number, settings: ProcessSettings): Finding[] =>
  lintDocuments(text, file, nowMs, settings).findings;
