import { isPodController } from './autogen.js';
import { parseCelPolicyRef } from './cel-exception.js';
import { draftScope } from './draft-request.js';
import { WaiverError } from './errors.js';
import type { ApiVersion, ExceptionScope } from './exception.js';
import type { ProcessSettings } from './settings.js';
import type { ResolvedOwner, Violation } from './violations.js';
import { wildcardMatch } from './wildcard.js';
import { PSS_POD_LEVEL } from './pod-security.js';
import type { PssFailure } from './pss/index.js';
import type { Exemptions, PodSecurityEntry } from './exemptions.js';

/**
 * How the draft names what it exempts: the pod itself (a bare pod), the pods of one ReplicaSet by the
 * `pod-template-hash` in their names, or the controller with Kyverno's autogen rules.
 */
export const nameBases = ['pod', 'pod-template-hash', 'controller'] as const;
export type NameBasis = (typeof nameBases)[number];

/** The scope fields a draft fills in; the requester adds the reason, ticket, category and expiry. */
export interface DraftFields {
  policy: string;
  rules: string[];
  kinds: string[];
  namespaces: string[];
  names: string[];
  apiVersion?: ApiVersion | undefined;
  target: string;
  /** The failing controls of a Pod Security rule, each as narrow as the failure (when there are any). */
  podSecurity?: DraftPodSecurity[] | undefined;
  /** A CEL policy's exception: the failing containers' images (when the policy reads them). */
  images?: string[] | undefined;
  allowedValues?: string[] | undefined;
}

export type DraftScope = Omit<ExceptionScope, 'name'>;

/** The failing results a draft came from, as the reviewer sees them. */
export interface DraftEvidence {
  target: string;
  resource: Violation['resource'];
  owner: ResolvedOwner | null;
  policy: string;
  rules: { rule: string; result: string; message: string; seenAt: string | null }[];
  lastSeen: string | null;
}

/** A `podSecurity` entry of a PolicyException, as narrow as the failure: one control, field, images, values. */
export interface DraftPodSecurity {
  controlName: string;
  images: string[];
  restrictedField: string;
  values: string[];
}

export interface ViolationDraft {
  from: DraftEvidence;
  /**
   * For a Pod Security rule: the failing controls only, each with the failing containers' images and the
   * failing field and values (empty for other rules).
   */
  podSecurity: DraftPodSecurity[];
  fields: DraftFields;
  /** The scope the fields become (controllers add their autogen rules, Jobs, Pods and pod names). */
  scope: DraftScope;
  basis: NameBasis;
  /** Why this naming, and what the other would have exempted. */
  why: string;
  /** What the draft cannot narrow yet, said rather than left out. */
  notes: string[];
}

const AUTOGEN = /^autogen-(cronjob-)?/;

/** A CEL policy's exception is written as a `policies.kyverno.io` PolicyException. */
const CEL_API: ApiVersion = 'policies.kyverno.io/v1';

const where = (v: Violation) =>
  `${v.resource.kind} ${v.resource.namespace ? `${v.resource.namespace}/` : ''}${v.resource.name}`;

export interface DraftContext {
  /** Only these of the failing rules (`--rule`); all of them when empty. */
  rules?: readonly string[];
  /** Whether the live object is still in the cluster: a report can outlive it. */
  live: boolean;
  /** Whether the pod's controller itself fails an autogen rule of the policy: the hash pattern cannot exempt it. */
  controllerFails: boolean;
  /** Images of the failing containers, when the policy judges images: an ImageValidatingPolicy. */
  images?: readonly string[];
  /** What a CEL policy reads of its exceptions (`exceptions.allowedImages`, `exceptions.allowedValues`). */
  celReads?: { allowedImages: boolean; allowedValues: boolean };
  /** For a Pod Security rule: what the pod fails, by control and field (the Pod Security evaluator's). */
  podSecurityFailures?: readonly PssFailure[];
}

/** Pod-level controls name no images (Kyverno refuses them there); container-level ones name the failing containers'. */
export function podSecurityEntries(failures: readonly PssFailure[]): DraftPodSecurity[] {
  const entries = new Map<string, DraftPodSecurity>();
  for (const f of failures)
    for (const field of f.fields) {
      const key = `${f.control}\n${field.restrictedField}`;
      const entry = entries.get(key) ?? {
        controlName: f.control,
        images: [],
        restrictedField: field.restrictedField,
        values: [],
      };
      if (field.container && !PSS_POD_LEVEL.has(f.control) && !entry.images.includes(field.container.image))
        entry.images.push(field.container.image);
      for (const v of field.values) if (!entry.values.includes(v)) entry.values.push(v);
      entries.set(key, entry);
    }
  return [...entries.values()];
}

/**
 * The narrowest request that lets this violation through: its own namespace, only the failing rules, and
 * for a Deployment's pod the pods of its ReplicaSet alone (`<replicaset>-*`) unless the Deployment fails
 * too; a CronJob's pods and other controllers' by the controller (their pod names carry no stable part
 * narrower than it); a bare pod by its name. Refused, by name, when the resource is gone, a named rule
 * does not fail, or the owner the naming needs is not in the cluster.
 */
export function draftFromViolation(
  violation: Violation,
  settings: ProcessSettings,
  context: DraftContext,
): ViolationDraft {
  const { kind } = violation.resource;
  // Before liveness: a kind the cluster does not serve is never "in the cluster", and "stale" would mislead.
  if (kind !== 'Pod' && !isPodController(kind))
    throw new WaiverError(
      'usage',
      `${where(violation)}: exceptions are drafted for Pods and Pod controllers, not ${kind}`,
      'from-violation',
    );
  if (!context.live)
    throw new WaiverError(
      'not_found',
      `${where(violation)} is not in the cluster any more: the report about it is stale, and no exception is drafted for it`,
      'from-violation',
    );
  const failing = violation.rules.map((r) => r.rule);
  const chosen = context.rules?.length ? [...context.rules] : failing;
  const missing = chosen.filter((r) => !failing.includes(r));
  if (missing.length)
    throw new WaiverError(
      'not_found',
      `${where(violation)} does not fail rule ${missing.join(', ')} of ${violation.policy} (it fails ${failing.join(', ') || 'the policy as a whole'})`,
      'rule',
    );
  const cel = parseCelPolicyRef(violation.policy) !== undefined;
  const base = [...new Set(chosen.map((r) => r.replace(AUTOGEN, '')))].filter(Boolean);
  const { resource, owner } = violation;
  const named = naming(violation, owner, context.controllerFails);
  const fields: DraftFields = {
    policy: violation.policy,
    rules: cel ? [] : base,
    kinds: named.kinds,
    namespaces: [resource.namespace],
    names: named.names,
    ...(cel ? { apiVersion: CEL_API } : {}),
    target: violation.target,
  };
  const { name: _name, ...scope } = draftScope({ ...fields, ticket: 'DRAFT-1' }, settings);
  const notes: string[] = [];
  const podSecurity = cel ? [] : podSecurityEntries(context.podSecurityFailures ?? []);
  if (podSecurity.length) {
    fields.podSecurity = podSecurity;
    notes.push(
      `the pod fails ${[...new Set(podSecurity.map((p) => p.controlName))].join(', ')} only: the exception exempts those controls, for the failing containers' images, fields and values, and the rest of the rule still applies`,
    );
  }
  const images = cel && context.images?.length ? [...context.images] : [];
  if (images.length) {
    fields.images = images;
    notes.push(
      context.celReads?.allowedImages
        ? `the policy reads exceptions.allowedImages: the exception lends it ${images.join(', ')} only, and the policy still judges everything else`
        : `the failing containers run ${images.join(', ')}: the exception lists them, but Kyverno skips an ImageValidatingPolicy for any resource an exception matches, whatever its images: the names are what narrow it`,
    );
  }
  if (context.celReads?.allowedValues)
    notes.push(
      'the policy reads exceptions.allowedValues: name the values it should allow (the report does not say which); without any, the exception skips the policy whole',
    );
  return {
    podSecurity,
    from: {
      target: violation.target,
      resource,
      owner,
      policy: violation.policy,
      rules: violation.rules
        .filter((r) => chosen.includes(r.rule))
        .map(({ rule, result, message, seenAt }) => ({ rule, result, message, seenAt })),
      lastSeen: violation.lastSeen,
    },
    fields,
    scope,
    basis: named.basis,
    why: named.why,
    notes,
  };
}

function naming(
  violation: Violation,
  owner: ResolvedOwner | null,
  controllerFails: boolean,
): { basis: NameBasis; kinds: string[]; names: string[]; why: string } {
  const { resource } = violation;
  if (isPodController(resource.kind))
    return {
      basis: 'controller',
      kinds: [resource.kind],
      names: [resource.name],
      why: `${resource.kind} ${resource.name} fails itself: the exception names it, its autogen rules and its pods`,
    };
  if (!owner)
    return {
      basis: 'pod',
      kinds: ['Pod'],
      names: [resource.name],
      why: `a bare pod (no controller owns it): the exception names it alone`,
    };
  const direct = owner.chain[0];
  const controller = { kind: owner.kind, name: owner.name };
  if (owner.complete && !isPodController(controller.kind))
    throw new WaiverError(
      'usage',
      `${where(violation)} is owned by ${controller.kind} ${controller.name}, not a Pod controller: no exception names it`,
      'from-violation',
    );
  // An owner that is gone may have had an owner of its own (a Job its CronJob): naming it would miss the
  // next run, and guessing past it could exempt the wrong controller. A ReplicaSet that is gone is an old
  // revision: its pods are on their way out, and the hash pattern would describe no live controller.
  if (!owner.complete)
    throw new WaiverError(
      'not_found',
      `${where(violation)} is owned by ${controller.kind} ${controller.name}, which is not in the cluster: its owner cannot be resolved, so no exception is drafted`,
      'from-violation',
    );
  if (
    direct?.kind === 'ReplicaSet' &&
    owner.podTemplateHash &&
    direct.name.endsWith(`-${owner.podTemplateHash}`) &&
    !controllerFails
  )
    return {
      basis: 'pod-template-hash',
      kinds: ['Pod'],
      names: [`${direct.name}-*`],
      why: `the pods of ReplicaSet ${direct.name} (pod-template-hash ${owner.podTemplateHash}) only: narrower than ${controller.kind} ${controller.name}, which would also exempt its other revisions and the ${controller.kind} itself; a new rollout needs a new exception`,
    };
  return {
    basis: 'controller',
    kinds: [controller.kind],
    names: [controller.name],
    why:
      controller.kind === 'CronJob'
        ? `CronJob ${controller.name}: each run's Job and pods get new names, so the CronJob with its autogen rules is the narrowest stable scope`
        : controllerFails
          ? `${controller.kind} ${controller.name} fails an autogen rule itself: the exception must name it, with its pods`
          : `${controller.kind} ${controller.name}: its pods' names carry no narrower stable part`,
  };
}

export const scopeChangeFields = [
  'policy',
  'rules',
  'kinds',
  'namespaces',
  'names',
  'podSecurity',
  'images',
  'allowedValues',
] as const;

export interface ScopeChange {
  field: (typeof scopeChangeFields)[number];
  values: string[];
}

/** What a draft exempts inside its scope: its fields' lists (drafts from before them: its podSecurity). */
export function draftedExemptions(draft: Pick<ViolationDraft, 'fields' | 'podSecurity'>): Exemptions {
  return {
    podSecurity: draft.fields.podSecurity ?? [],
    images: draft.fields.images ?? [],
    allowedValues: draft.fields.allowedValues ?? [],
  };
}

/** A name pattern that matches no more than the draft's pattern does. */
function within(pattern: string, draft: readonly string[]): boolean {
  return draft.some((d) => {
    if (d === pattern) return true;
    if (!/[*?]/.test(pattern)) return wildcardMatch(d, pattern);
    // A pattern that only adds literal characters before the draft's trailing `*` is narrower.
    return d.endsWith('*') && !/[*?]/.test(d.slice(0, -1)) && pattern.startsWith(d.slice(0, -1));
  });
}

/**
 * What a filed scope adds to its draft (widened) and leaves out of it (narrowed). A widening is allowed,
 * but recorded with the request and shown to the reviewer.
 */
export function compareWithDraft(
  filed: DraftScope & Exemptions,
  draft: DraftScope & Exemptions,
): { widened: ScopeChange[]; narrowed: ScopeChange[] } {
  const widened: ScopeChange[] = [];
  const narrowed: ScopeChange[] = [];
  const add = (list: ScopeChange[], field: ScopeChange['field'], values: string[]) => {
    if (values.length) list.push({ field, values });
  };
  if (filed.policy !== draft.policy) widened.push({ field: 'policy', values: [filed.policy] });
  for (const field of ['rules', 'kinds', 'namespaces'] as const) {
    add(
      widened,
      field,
      filed[field].filter((v) => !draft[field].includes(v)),
    );
    add(
      narrowed,
      field,
      draft[field].filter((v) => !filed[field].includes(v)),
    );
  }
  add(
    widened,
    'names',
    filed.names.filter((n) => !within(n, draft.names)),
  );
  add(
    narrowed,
    'names',
    filed.names.filter((n) => within(n, draft.names) && !draft.names.includes(n)),
  );
  const pss = comparePodSecurity(filed.podSecurity, draft.podSecurity);
  add(widened, 'podSecurity', pss.widened);
  add(narrowed, 'podSecurity', pss.narrowed);
  for (const field of ['images', 'allowedValues'] as const) {
    const lists = compareLists(filed[field], draft[field], field);
    add(widened, field, lists.widened);
    add(narrowed, field, lists.narrowed);
  }
  return { widened, narrowed };
}

/**
 * A CEL exception's list: an empty one lends nothing and skips the policy whole, the widest there is;
 * otherwise each value added widens and each left out narrows.
 */
function compareLists(
  filed: readonly string[],
  draft: readonly string[],
  field: string,
): { widened: string[]; narrowed: string[] } {
  if (!draft.length) return { widened: [], narrowed: [...filed] };
  if (!filed.length) return { widened: [`no ${field}: the whole policy`], narrowed: [] };
  return {
    widened: filed.filter((v) => !draft.includes(v)),
    narrowed: draft.filter((v) => !filed.includes(v)),
  };
}

const entryKey = (e: PodSecurityEntry): string =>
  `${e.controlName}${e.restrictedField ? ` ${e.restrictedField}` : ''}`;

/**
 * Pod Security entries: no entry at all exempts the whole rule (wider than any list); an entry for a
 * control or field the draft lacks, or one without the draft entry's field, images or values, widens;
 * an entry left out or with fewer images or values narrows.
 */
function comparePodSecurity(
  filed: readonly PodSecurityEntry[],
  draft: readonly PodSecurityEntry[],
): { widened: string[]; narrowed: string[] } {
  const widened: string[] = [];
  const narrowed: string[] = [];
  if (draft.length && !filed.length) return { widened: ['no entries: every control of the rule'], narrowed };
  if (!draft.length) return { widened, narrowed: filed.map(entryKey) };
  for (const e of filed) {
    const key = entryKey(e);
    const same = draft.filter((d) => d.controlName === e.controlName);
    if (!same.length) {
      widened.push(`${key}: a control that does not fail`);
      continue;
    }
    if (e.restrictedField === null) {
      widened.push(`${key}: every field of the control`);
      continue;
    }
    const d = same.find((x) => x.restrictedField === e.restrictedField);
    if (!d) {
      widened.push(`${key}: a field that does not fail`);
      continue;
    }
    if (d.images.length && !e.images.length) widened.push(`${key}: every container's image`);
    for (const i of e.images) if (!d.images.includes(i)) widened.push(`${key}: image ${i}`);
    for (const v of e.values) if (!d.values.includes(v)) widened.push(`${key}: value ${v}`);
    for (const i of d.images)
      if (e.images.length && !e.images.includes(i)) narrowed.push(`${key}: image ${i}`);
    for (const v of d.values) if (!e.values.includes(v)) narrowed.push(`${key}: value ${v}`);
  }
  for (const d of draft)
    if (!filed.some((e) => e.controlName === d.controlName && e.restrictedField === d.restrictedField))
      if (!filed.some((e) => e.controlName === d.controlName && e.restrictedField === null))
        narrowed.push(entryKey(d));
  return { widened, narrowed };
}

/** Where a request came from: the draft it was made from, and what the filed scope changed of it. */
export interface RequestOrigin {
  draft: ViolationDraft;
  widened: ScopeChange[];
  narrowed: ScopeChange[];
}
