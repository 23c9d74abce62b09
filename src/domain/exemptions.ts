import { parseCelPolicyRef } from './cel-exception.js';
import type { Issue } from './issue.js';
import { PSS_CONTAINER_LEVEL, PSS_CONTROLS, PSS_POD_LEVEL } from './pod-security.js';
import { CONTROL_FIELDS, controlOf, controlReports } from './pss/controls.js';
import { checksFor, parseLevelVersion } from './pss/registry.js';

/**
 * One `podSecurity` entry of a kyverno.io PolicyException (Kyverno's PodSecurityStandard): the control,
 * the containers it applies to by image (wildcards), and the one field and values it exempts.
 */
export interface PodSecurityEntry {
  controlName: string;
  images: string[];
  /** Kyverno's notation (`spec.containers[*].securityContext.privileged`); null: every field of the control. */
  restrictedField: string | null;
  values: string[];
}

/**
 * What an exception exempts inside the resources it matches, beyond skipping the policy whole: for a
 * kyverno.io exception the Pod Security controls; for a CEL one the images and values it lends the
 * policy (`exceptions.allowedImages`, `exceptions.allowedValues`). All empty: the whole rule or policy.
 */
export interface Exemptions {
  podSecurity: PodSecurityEntry[];
  images: string[];
  allowedValues: string[];
}

export const NO_EXEMPTIONS: Exemptions = { podSecurity: [], images: [], allowedValues: [] };

export const hasExemptions = (e: Exemptions): boolean =>
  e.podSecurity.length > 0 || e.images.length > 0 || e.allowedValues.length > 0;

/** A bound that keeps a record reviewable: Kyverno has none, but no failure needs more. */
export const MAX_POD_SECURITY_ENTRIES = 30;
export const MAX_LISTED = 50;
const MAX_ITEM = 300;

/** The CEL policy kinds that bind an exception's `images` as `exceptions.allowedImages`. */
const READS_ALLOWED_IMAGES = new Set(['ValidatingPolicy', 'MutatingPolicy', 'GeneratingPolicy']);

/** Every character it lists together: what its row, view and manifest grow with. */
const MAX_EXEMPTION_TEXT = 8_192;
const exemptionTextSize = (e: Exemptions): number =>
  [
    ...e.images,
    ...e.allowedValues,
    ...e.podSecurity.flatMap((p) => [p.controlName, p.restrictedField ?? '', ...p.images, ...p.values]),
  ].reduce((n, text) => n + text.length, 0);

const issue = (code: string, field: string, message: string): Issue => ({ code, field, message });

/**
 * A listed string as Kyverno will use it. A CEL exception's lists are quoted as `'value'` without
 * escaping when Kyverno generates a ValidatingAdmissionPolicy (pkg/admissionpolicy/builder.go), so a
 * quote or backslash would change the expression; a podSecurity value is compared as written (a host
 * path may hold a space), and YAML escaping carries it. Control characters and `{{` never.
 */
function itemIssue(field: string, value: string, what: string, cel: boolean): Issue | undefined {
  if (!value.trim()) return issue('exemption-empty', field, `${what} must not be empty`);
  if (value.length > MAX_ITEM)
    return issue('exemption-length', field, `must be at most ${MAX_ITEM} characters`);
  if (value.includes('{{'))
    return issue('text-template', field, 'must not contain "{{": Kyverno would read it as a variable');
  if (/\p{Cc}/u.test(value))
    return issue('exemption-characters', field, `${what} must not contain control characters`);
  if (cel && /['"\\\s]/.test(value))
    return issue(
      'exemption-characters',
      field,
      `${what} "${value}" must not contain quotes, backslashes or spaces: Kyverno writes it into CEL unescaped`,
    );
  return undefined;
}

function listIssues(field: string, values: readonly string[], what: string, cel = false): Issue[] {
  if (values.length > MAX_LISTED)
    return [issue('exemption-count', field, `at most ${MAX_LISTED} ${what}s, not ${values.length}`)];
  const found: Issue[] = [];
  values.forEach((v, i) => {
    const bad = itemIssue(`${field}.${i}`, v, what, cel);
    if (bad) found.push(bad);
  });
  const seen = new Set<string>();
  values.forEach((v, i) => {
    if (seen.has(v)) found.push(issue('exemption-duplicate', `${field}.${i}`, `"${v}" is listed twice`));
    seen.add(v);
  });
  return found;
}

function entryIssues(entry: PodSecurityEntry, i: number): Issue[] {
  const at = `podSecurity.${i}`;
  const { controlName, images, restrictedField, values } = entry;
  if (!PSS_CONTROLS.has(controlName))
    return [
      issue(
        'pod-security-control',
        `${at}.controlName`,
        `"${controlName}" is not a Pod Security control Kyverno knows (one of ${[...PSS_CONTROLS].join(', ')})`,
      ),
    ];
  const found = [
    ...listIssues(`${at}.images`, images, 'image'),
    ...listIssues(`${at}.values`, values, 'value'),
  ];
  if (PSS_CONTAINER_LEVEL.has(controlName) && !images.length)
    found.push(
      issue(
        'pod-security-images',
        `${at}.images`,
        `"${controlName}" is a container level control: name the images it exempts (Kyverno refuses it without)`,
      ),
    );
  if (PSS_POD_LEVEL.has(controlName) && images.length)
    found.push(
      issue(
        'pod-security-images',
        `${at}.images`,
        `"${controlName}" is a pod level control: it takes no images (Kyverno refuses them)`,
      ),
    );
  if (restrictedField !== null && !values.length)
    found.push(issue('pod-security-values', `${at}.values`, 'values are required with restrictedField'));
  if (restrictedField === null && values.length)
    found.push(
      issue('pod-security-values', `${at}.restrictedField`, 'values need the restrictedField they are of'),
    );
  if (restrictedField !== null && !controlReports(controlName, restrictedField))
    found.push(
      issue(
        'pod-security-field',
        `${at}.restrictedField`,
        `"${restrictedField}" is not a field "${controlName}" reports (it exempts nothing); its fields: ${(CONTROL_FIELDS[controlName] ?? []).join(', ')}`,
      ),
    );
  return found;
}

/**
 * What is wrong with an exception's exemptions for its API and policy, field by field: `podSecurity`
 * belongs to a kyverno.io exception, `images`/`allowedValues` to a CEL one whose policy kind reads them.
 */
export function exemptionIssues(exemptions: Exemptions, apiVersion: string, policy: string): Issue[] {
  const { podSecurity, images, allowedValues } = exemptions;
  const found: Issue[] = [];
  const size = exemptionTextSize(exemptions);
  if (size > MAX_EXEMPTION_TEXT)
    return [
      issue(
        'exemption-size',
        podSecurity.length ? 'podSecurity' : images.length ? 'images' : 'allowedValues',
        `what it exempts is ${size} characters long, more than ${MAX_EXEMPTION_TEXT}: a reviewer cannot weigh that much; split the request`,
      ),
    ];
  // The CEL PolicyException's group (exception.ts's isCelApiVersion, which imports this module's types).
  if (apiVersion.startsWith('policies.kyverno.io/')) {
    if (podSecurity.length)
      found.push(
        issue(
          'exemption-api',
          'podSecurity',
          'a CEL PolicyException (policies.kyverno.io) has no podSecurity: that belongs to a kyverno.io exception for a podSecurity rule',
        ),
      );
    // A namespaced kind reads its exceptions as its cluster-wide twin does.
    const named = (policy.split('/')[0] ?? '').replace(/^Namespaced/, '');
    const kind = parseCelPolicyRef(`${named}/x`)?.kind;
    if (
      images.length &&
      kind !== undefined &&
      kind !== 'ImageValidatingPolicy' &&
      !READS_ALLOWED_IMAGES.has(kind)
    )
      found.push(issue('exemption-policy', 'images', `a ${kind} reads no images from its exceptions`));
    if (allowedValues.length && kind !== undefined && !READS_ALLOWED_IMAGES.has(kind))
      found.push(
        issue(
          'exemption-policy',
          'allowedValues',
          `a ${kind} reads no exceptions.allowedValues from its exceptions`,
        ),
      );
    found.push(
      ...listIssues('images', images, 'image', true),
      ...listIssues('allowedValues', allowedValues, 'value', true),
    );
    return found;
  }
  for (const [field, list] of [
    ['images', images],
    ['allowedValues', allowedValues],
  ] as const)
    if (list.length)
      found.push(
        issue(
          'exemption-api',
          field,
          `${field} is a field of the CEL PolicyException (policies.kyverno.io); a ${apiVersion} exception limits images per podSecurity control`,
        ),
      );
  if (podSecurity.length > MAX_POD_SECURITY_ENTRIES)
    found.push(
      issue(
        'exemption-count',
        'podSecurity',
        `at most ${MAX_POD_SECURITY_ENTRIES} podSecurity entries, not ${podSecurity.length}`,
      ),
    );
  else podSecurity.forEach((entry, i) => found.push(...entryIssues(entry, i)));
  return found;
}

/** The `podSecurity` entries as Kyverno's manifest takes them: empty lists and fields left out. */
export function podSecurityManifest(
  entries: readonly PodSecurityEntry[],
): { controlName: string; images?: string[]; restrictedField?: string; values?: string[] }[] {
  return entries.map((e) => ({
    controlName: e.controlName,
    ...(e.images.length ? { images: [...e.images] } : {}),
    ...(e.restrictedField !== null ? { restrictedField: e.restrictedField } : {}),
    ...(e.values.length ? { values: [...e.values] } : {}),
  }));
}

/** One line per entry, for describe and the audit trail: `Capabilities images=a,b field=… values=NET_RAW`. */
export function podSecurityLine(e: PodSecurityEntry): string {
  return [
    e.controlName,
    e.images.length ? `images=${e.images.join(',')}` : '',
    e.restrictedField !== null ? `field=${e.restrictedField}` : '',
    e.values.length ? `values=${e.values.join(',')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/** A policy's rule as far as its `podSecurity` entries concern it: its name, and its level and version if any. */
export interface RuleOfPolicy {
  name: string;
  podSecurity?: { level?: unknown; version?: unknown } | undefined;
}

/**
 * The entries against the policy's rules the exception names: they apply to `validate.podSecurity`
 * rules only, and a control the rule's level never checks (a restricted control under a baseline rule:
 * Kyverno's evaluatePSS skips restricted checks there) exempts nothing.
 */
export function podSecurityRuleIssues(
  entries: readonly PodSecurityEntry[],
  ruleNames: readonly string[],
  policyRules: readonly RuleOfPolicy[],
): Issue[] {
  if (!entries.length) return [];
  const base = (name: string) => name.replace(/^autogen-(cronjob-)?/, '');
  const named = policyRules.filter((r) => ruleNames.some((n) => base(n) === r.name));
  const levels: { rule: string; controls: Set<string>; said: string }[] = [];
  for (const rule of named) {
    if (!rule.podSecurity)
      return [
        issue(
          'pod-security-rule',
          'podSecurity',
          `rule ${rule.name} is not a validate.podSecurity rule: podSecurity entries narrow only those`,
        ),
      ];
    const parsed = parseLevelVersion(rule.podSecurity.level, rule.podSecurity.version);
    if (parsed instanceof Error) continue;
    levels.push({
      rule: rule.name,
      controls: new Set(checksFor('kyverno', parsed.level, parsed.version).map((c) => controlOf(c.id))),
      said: `${parsed.level}, ${parsed.version === 'latest' ? 'latest' : `v1.${parsed.version}`}`,
    });
  }
  if (!levels.length) return [];
  return entries.flatMap((e, i) =>
    levels.some((l) => l.controls.has(e.controlName))
      ? []
      : [
          issue(
            'pod-security-level',
            `podSecurity.${i}.controlName`,
            `"${e.controlName}" is not checked by ${levels.map((l) => `rule ${l.rule} (${l.said})`).join(' or ')}: the entry exempts nothing`,
          ),
        ],
  );
}
