import { autogenRuleNames, isPodController } from './autogen.js';
import {
  requiredAnnotations,
  TTL_LABEL,
  type PolicyExceptionManifest,
  type ResourceFilter,
} from './manifest.js';
import { parseManifests, readExpiry } from './manifest-schema.js';
import type { ProcessSettings } from './settings.js';
import { DAY_MS } from './time.js';
import { hasWildcard, literalPrefix, wildcardMatch } from './wildcard.js';

export type Severity = 'error' | 'warning';

export interface Finding {
  file: string;
  object: string;
  rule: string;
  severity: Severity;
  message: string;
}

interface LintContext {
  manifest: PolicyExceptionManifest;
  nowMs: number;
  settings: ProcessSettings;
}

type RawFinding = Omit<Finding, 'file' | 'object'>;
/** A lint rule: the findings one PolicyException earns; the list below is the documentation. */
type LintRule = (ctx: LintContext) => RawFinding[];

const error = (rule: string, message: string): RawFinding => ({ rule, severity: 'error', message });
const warning = (rule: string, message: string): RawFinding => ({ rule, severity: 'warning', message });

const filtersOf = (m: PolicyExceptionManifest) => [...(m.spec.match.any ?? []), ...(m.spec.match.all ?? [])];
const resourcesOf = (m: PolicyExceptionManifest): ResourceFilter[] =>
  filtersOf(m).map((f) => f.resources ?? {});

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

const exceptionNamespace: LintRule = ({ manifest, settings }) => {
  const ns = manifest.metadata.namespace;
  if (ns === undefined)
    return [
      warning(
        'namespace-unset',
        `no metadata.namespace: Kyverno reads exceptions only from "${settings.exceptionNamespace}"`,
      ),
    ];
  if (ns === settings.kyvernoNamespace)
    return [
      error(
        'namespace-kyverno',
        `"${ns}" is Kyverno's own namespace: its webhooks skip it, so guard policies never see the exception`,
      ),
    ];
  return ns === settings.exceptionNamespace
    ? []
    : [
        error(
          'namespace-ignored',
          `Kyverno reads exceptions only from "${settings.exceptionNamespace}"; in "${ns}" it is ignored`,
        ),
      ];
};

const matchShape: LintRule = ({ manifest }) => {
  const { any, all } = manifest.spec.match;
  if (any !== undefined && all !== undefined)
    return [error('match-any-and-all', 'spec.match has both any and all: Kyverno accepts only one')];
  if ((any ?? all ?? []).length === 0)
    return [error('match-empty', 'spec.match is empty: the exception matches nothing')];
  return [];
};

const namespaces: LintRule = ({ manifest }) =>
  resourcesOf(manifest).flatMap((r) => {
    if (!r.namespaces?.length)
      return [error('namespaces-missing', 'a match filter has no namespaces: it applies in every namespace')];
    return r.namespaces
      .filter(hasWildcard)
      .map((ns) => error('namespace-wildcard', `namespace "${ns}" is a wildcard: name each namespace`));
  });

const names: LintRule = ({ manifest, settings }) =>
  resourcesOf(manifest).flatMap((r) => {
    if (!r.names?.length)
      return [
        error('names-missing', 'a match filter has no names: it applies to every resource of its kinds'),
      ];
    return r.names
      .filter((n) => hasWildcard(n) && literalPrefix(n).length < settings.minNamePrefix)
      .map((n) =>
        error(
          'names-broad',
          `name pattern "${n}" needs at least ${settings.minNamePrefix} literal characters before a wildcard`,
        ),
      );
  });

const kinds: LintRule = ({ manifest }) =>
  resourcesOf(manifest).flatMap((r) =>
    (r.kinds ?? [])
      .filter((k) => k.includes('*'))
      .map((k) => error('kinds-broad', `kind "${k}" covers every kind`)),
  );

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
  const kindsListed = resourcesOf(manifest).flatMap((r) => r.kinds ?? []);
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
  manifest.spec.exceptions.flatMap((e) =>
    e.ruleNames
      .filter(hasWildcard)
      .map((r) =>
        warning('rule-wildcard', `rule name "${r}" of ${e.policyName} is a wildcard: name each rule`),
      ),
  );

const expiry: LintRule = ({ manifest, nowMs, settings }) => {
  const reading = readExpiry(manifest);
  if (reading.form === 'none')
    return [error('expiry-missing', 'no time condition: the exception never expires')];
  if (reading.form === 'comparison') {
    return [
      error(
        'expiry-ineffective',
        `"${reading.condition?.operator ?? ''}" on time_now_utc() compares no timestamps in Kyverno: the exception never applies. Use key "{{ time_before('{{ time_now_utc() }}', '<RFC3339>') }}", operator Equals, value true`,
      ),
    ];
  }
  const findings: RawFinding[] = [];
  const condition = reading.condition;
  if (condition && (condition.operator !== 'Equals' || String(condition.value) !== 'true')) {
    findings.push(
      error('expiry-ineffective', 'the time_before condition must use operator Equals and value true'),
    );
  }
  if (reading.block === 'any' && (manifest.spec.conditions?.any?.length ?? 0) > 1) {
    findings.push(
      error(
        'expiry-in-any',
        'the time condition sits in conditions.any beside others: the exception may apply after expiry',
      ),
    );
  }
  const expiresMs = Date.parse(reading.value ?? '');
  if (Number.isNaN(expiresMs))
    return [
      ...findings,
      error('expiry-unparseable', `"${reading.value ?? ''}" is not RFC3339: Kyverno skips the exception`),
    ];
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

const annotations: LintRule = ({ manifest }) =>
  requiredAnnotations
    .filter((a) => !manifest.metadata.annotations?.[a]?.trim())
    .map((a) => error('annotation-missing', `annotation "${a}" is missing or empty`));

/** Every lint rule, in the order findings are reported. */
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
  expiry,
  annotations,
];

/** Lints every PolicyException in a YAML text; other kinds are skipped, malformed documents are findings. */
export function lintText(text: string, file: string, nowMs: number, settings: ProcessSettings): Finding[] {
  return parseManifests(text).flatMap((doc): Finding[] => {
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
    const ctx = { manifest: doc.manifest, nowMs, settings };
    return lintRules.flatMap((rule) => rule(ctx)).map((f) => ({ file, object, ...f }));
  });
}
