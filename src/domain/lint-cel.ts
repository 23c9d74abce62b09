import { CEL_POLICY_KINDS } from './cel-exception.js';
import { compileCel } from './cel-match.js';
import { exemptionIssues } from './exemptions.js';
import { NAMESPACED_CEL_POLICY_KINDS } from './cel-policy.js';
import { error, warning, type ExceptionLintRule } from './lint-finding.js';
import { annotations, exceptionNamespace } from './lint-common.js';
import { TTL_LABEL, type CelPolicyExceptionManifest } from './manifest.js';
import { parseRfc3339 } from './rfc3339.js';
import { DAY_MS } from './time.js';

/** A lint rule for the CEL PolicyException (policies.kyverno.io). */
type CelLintRule = ExceptionLintRule<CelPolicyExceptionManifest>;

const apiVersion: CelLintRule = ({ manifest }) => {
  const version = manifest.apiVersion.split('/')[1];
  if (version === 'v1' || version === 'v1beta1') return [];
  if (version === 'v1alpha1')
    return [warning('api-version', 'policies.kyverno.io/v1alpha1 is deprecated: use policies.kyverno.io/v1')];
  return [
    error(
      'api-version',
      `${manifest.apiVersion} is not a PolicyException version (use policies.kyverno.io/v1)`,
    ),
  ];
};

const policyRefs: CelLintRule = ({ manifest }) => {
  const refs = manifest.spec.policyRefs;
  if (!refs.length)
    return [error('policy-refs-missing', 'spec.policyRefs is empty: the exception applies to no policy')];
  return refs
    .filter(
      (r) => !([...CEL_POLICY_KINDS, ...NAMESPACED_CEL_POLICY_KINDS] as readonly string[]).includes(r.kind),
    )
    .map((r) =>
      error(
        'policy-ref-kind',
        `policyRefs kind "${r.kind}" is not a CEL policy kind (${CEL_POLICY_KINDS.join(', ')}): a ClusterPolicy takes a kyverno.io PolicyException`,
      ),
    );
};

const matchConditions: CelLintRule = ({ manifest }) => {
  const conditions = manifest.spec.matchConditions ?? [];
  if (!conditions.length)
    return [
      error(
        'match-conditions-missing',
        'no matchConditions: the exception exempts every resource the policy checks; name the namespaces and resources',
      ),
    ];
  return conditions.flatMap((c) => {
    const compiled = compileCel(c.expression);
    return compiled instanceof Error
      ? [
          error(
            'match-condition-invalid',
            `matchConditions "${c.name}" does not compile (${compiled.message}): Kyverno fails to compile the policy with it`,
          ),
        ]
      : [];
  });
};

/** expiresAt is honoured at admission only; reports and the CLI ignore it (issue #17473): the TTL label and Waiver remove it. */
const expiry: CelLintRule = ({ manifest, nowMs, settings }) => {
  const { expiresAt } = manifest.spec;
  if (expiresAt === undefined)
    return [error('expiry-missing', 'no spec.expiresAt: the exception never expires')];
  const expiresMs = parseRfc3339(expiresAt);
  if (expiresMs === undefined)
    return [error('expiry-unparseable', `expiresAt "${expiresAt}" is not strict RFC 3339`)];
  const findings = [];
  if (expiresMs - nowMs > settings.maxDays * DAY_MS)
    findings.push(
      error('expiry-too-far', `expires ${expiresAt}, more than ${settings.maxDays} days from now`),
    );
  if (expiresMs <= nowMs)
    findings.push(
      warning(
        'expiry-past',
        `expired at ${expiresAt}: admission ignores it, but background reports and the CLI still apply it: remove it`,
      ),
    );
  if (manifest.metadata.labels?.[TTL_LABEL] === undefined)
    findings.push(
      warning(
        'ttl-label-missing',
        `no ${TTL_LABEL} label: nothing deletes the object if the controller is down, and reports keep applying it after expiresAt`,
      ),
    );
  return findings;
};

/**
 * `images` and `allowedValues` as the boundary takes them for a request: only for the policy kinds that
 * read them, and only text Kyverno can quote into CEL.
 */
const lentLists: CelLintRule = ({ manifest }) => {
  const exemptions = {
    podSecurity: [],
    images: manifest.spec.images ?? [],
    allowedValues: manifest.spec.allowedValues ?? [],
  };
  if (!exemptions.images.length && !exemptions.allowedValues.length) return [];
  const messages = new Set(
    manifest.spec.policyRefs.flatMap((r) =>
      exemptionIssues(exemptions, manifest.apiVersion, `${r.kind}/${r.name}`).map(
        (i) => `${i.code}\nspec.${i.field}: ${i.message}`,
      ),
    ),
  );
  return [...messages].map((m) => {
    const [code = '', text = ''] = m.split('\n');
    return error(code, text);
  });
};

/** Every CEL lint rule, in the order findings are reported. */
export const celLintRules: readonly CelLintRule[] = [
  apiVersion,
  exceptionNamespace,
  policyRefs,
  matchConditions,
  expiry,
  lentLists,
  annotations,
];
