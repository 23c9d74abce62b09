import { useEffect, useMemo, useState } from 'react';
import { parseCelPolicyRef } from '../../../src/domain/cel-exception';
import type { Issue } from '../../../src/domain/errors';
import {
  allowedKinds,
  apiVersions,
  categories,
  isCelApiVersion,
  type ApiVersion,
  type Category,
} from '../../../src/domain/exception';
import type { KnownRule } from '../../../src/domain/policy-catalog';
import type { ProcessSettings } from '../../../src/domain/settings';
import { MIN_FALSE_POSITIVE_LENGTH } from '../../../src/domain/controls';
import { ApiError } from '../api/client';
import { useSession } from '../auth/session';
import { CoverageSummary, type CoverageReport } from '../components/coverage-summary';
import { NoClusterNote } from '../components/blast-radius';
import { ErrorNote, Loading } from '../components/status';
import { useAsync } from '../components/use-async';
import { href } from '../route';
import { checkRequestFields, controlsFields, formFieldOf, listOf, type ControlsText } from '../request-check';
import { compareWithDraft, draftedExemptions, type ScopeChange } from '../../../src/domain/violation-draft';
import { podSecurityLine, type PodSecurityEntry } from '../../../src/domain/exemptions';
import type { Success } from '../api/client';

type Draft = Success<'/api/v1/violations/draft', 'get'>;

/** The process document's valid reason for each category, and what it demands. */
const categoryHelp: Record<Category, string> = {
  'emergency-hotfix':
    'An emergency production incident. The ticket must be an incident (INC-…); 7 days at most.',
  'vendor-image': 'A third-party vendor image, after a risk assessment: link the assessment.',
  'legacy-migration': 'A legacy workload during its migration period to signed images.',
  'image-development': 'Development or testing of new images before they enter the signed pipeline.',
};

/** The policy select's choice for a name typed by hand (`*` is in no Kubernetes name). */
const ANOTHER = '*another*';

interface Form extends ControlsText {
  namespaces: string;
  names: string;
  category: Category;
  ticket: string;
  reason: string;
  riskAssessment: string;
  expires: string;
  /** A target's name; empty for the server's default target. */
  target: string;
  /** A listed policy's name, ANOTHER, or empty for the default choice. */
  policy: string;
  /** The policy's name when typed by hand; empty for the configured default policy. */
  customPolicy: string;
  /** The rules chosen of a listed policy; null until chosen (the policy's default rules). */
  rules: string[] | null;
  /** Rules typed by hand, comma-separated, when the target does not know the policy's rules. */
  customRules: string;
  kinds: string[];
  /** Empty: the usual version for the policy's kind. */
  apiVersion: string;
  /** A CEL exception's lists, comma-separated: the images and values it lends the policy. */
  images: string;
  allowedValues: string;
}

/** The policy a request names, as the form has it now. */
interface PolicyChoice {
  name: string;
  /** One of the target's listed policies (else typed, or the default while the list loads). */
  listed: boolean;
  cel: boolean;
  /** The rules to choose from; null when they are typed. */
  rules: KnownRule[] | null;
}

/**
 * The request form: the target's own policies, checked as you type by the server's guardrails. Opened
 * from a violation (`?fromViolation=KIND/NS/NAME&policy=P`), it starts from the narrowest draft; the
 * requester may narrow it, and anything that widens it is shown as it is typed (and to the reviewer).
 */
export function RequestPage({ query }: { query?: URLSearchParams }) {
  const { api, me, settings } = useSession();
  const fromViolation = query?.get('fromViolation') ?? '';
  const violationPolicy = query?.get('policy') ?? '';
  const violationTarget = query?.get('target') ?? '';
  const draft = useAsync<Draft | undefined>(
    () =>
      fromViolation
        ? api.get('/api/v1/violations/draft', {
            query: {
              resource: fromViolation,
              policy: violationPolicy,
              ...(violationTarget ? { target: violationTarget } : {}),
            },
          })
        : Promise.resolve(undefined),
    [api, fromViolation, violationPolicy, violationTarget],
  );
  const [form, setForm] = useState<Form>({
    namespaces: '',
    names: '',
    category: 'legacy-migration',
    ticket: '',
    reason: '',
    riskAssessment: '',
    expires: '14d',
    target: '',
    policy: '',
    customPolicy: '',
    rules: null,
    customRules: '',
    kinds: ['Pod'],
    apiVersion: '',
    images: '',
    allowedValues: '',
    riskBefore: '',
    riskAfter: '',
    compensatingControls: '',
    validations: '',
    falsePositive: '',
  });
  // The draft's Pod Security entries, images and values the requester unticked: only narrowing is offered.
  const [dropped, setDropped] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => {
    const d = draft.data;
    if (!d) return;
    setForm((f) => ({
      ...f,
      target: d.fields.target,
      policy: d.fields.policy,
      rules: d.fields.rules.length ? d.fields.rules : null,
      customRules: d.fields.rules.join(', '),
      kinds: d.fields.kinds,
      namespaces: d.fields.namespaces.join(', '),
      names: d.fields.names.join(', '),
      apiVersion: d.fields.apiVersion ?? '',
      images: (d.fields.images ?? []).join(', '),
      allowedValues: (d.fields.allowedValues ?? []).join(', '),
    }));
  }, [draft.data]);
  const targets = useAsync(() => api.get('/api/v1/targets'), [api]).data?.items ?? [];
  const catalog = useAsync(
    () => api.get('/api/v1/policies', { query: form.target ? { target: form.target } : {} }),
    [api, form.target],
  );
  const chosenTarget = targets.find((t) => (form.target ? t.name === form.target : t.default));
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [serverError, setServerError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [coverage, setCoverage] = useState<{ key: string; report?: CoverageReport; error?: unknown }>();

  const listed = catalog.data?.items ?? [];
  // A cluster refuses a policy it lacks: its list is the whole choice. Elsewhere any name may be typed.
  const offersAnother = catalog.data?.source !== 'cluster';
  const choice = policyChoice(form, listed, offersAnother, settings);
  const apiVersion = versionFor(choice.cel, form.apiVersion, settings);
  const chosenRules = choice.rules
    ? (form.rules ?? defaultRules(choice.name, choice.rules, settings))
    : listOf(form.customRules);
  const controls = controlsFields(form, choice.cel);
  const fields = {
    namespaces: listOf(form.namespaces),
    names: listOf(form.names),
    category: form.category,
    ticket: form.ticket,
    reason: form.reason,
    riskAssessment: form.riskAssessment || null,
    expires: form.expires,
    policy: choice.name || undefined,
    rules: choice.cel ? [] : chosenRules,
    kinds: form.kinds,
    apiVersion,
    ...(draft.data?.fields.podSecurity?.length
      ? { podSecurity: keptEntries(draft.data.fields.podSecurity, dropped) }
      : {}),
    ...(choice.cel ? { images: listOf(form.images), allowedValues: listOf(form.allowedValues) } : {}),
    ...controls.fields,
  };
  const check = useMemo(
    () => checkRequestFields(fields, settings, me.name, Date.now()),
    [JSON.stringify(fields), settings, me.name],
  );
  const issues = [
    ...formIssues(choice, fields.rules, form.kinds, settings),
    ...controls.issues,
    ...check.issues,
  ];
  const body = {
    ...fields,
    riskAssessment: fields.riskAssessment ?? undefined,
    ...(form.target ? { target: form.target } : {}),
    ...(draft.data ? { fromViolation: { resource: fromViolation } } : {}),
  };
  const widened = draft.data
    ? compareWithDraft(
        { ...scopeOf(check.scope), ...check.exemptions },
        { ...draft.data.scope, ...draftedExemptions(draft.data) },
      ).widened
    : [];
  const bodyKey = JSON.stringify(body);
  // A refusal with one field and no list of issues stands as an issue of its own, shown on that field.
  const serverIssues =
    serverError instanceof ApiError
      ? serverError.issues.length || !serverError.field || !formFields.has(formFieldOf(serverError.field))
        ? serverError.issues
        : [{ code: serverError.code, field: serverError.field, message: serverError.message }]
      : [];
  const issuesFor = (field: string) => {
    // Typed rules answer for the rules; a typed policy name for the policy, under the field that holds it.
    if (field === 'policy' && !choice.listed) return [];
    const named = field === 'customRules' ? 'rules' : field === 'customPolicy' ? 'policy' : field;
    const local = issues.filter((i) => formFieldOf(i.field) === named);
    const remote = serverIssues.filter((i) => formFieldOf(i.field) === named);
    const shown = touched.has(field) || submitted ? local : [];
    return [...shown, ...remote];
  };
  const change = (patch: Partial<Form>, ...fieldsTouched: string[]) => {
    setForm({ ...form, ...patch });
    setServerError(undefined);
    if (fieldsTouched.length) setTouched(new Set([...touched, ...fieldsTouched]));
  };
  const set = (key: keyof Form) => (e: { target: { value: string } }) => change({ [key]: e.target.value });
  const blur = (key: string) => () => setTouched(new Set(touched).add(key));
  const submit = async () => {
    setSubmitted(true);
    if (issues.length > 0) return;
    setBusy(true);
    try {
      const { exception } = await api.post('/api/v1/exceptions', { body });
      window.location.hash = href(`/exceptions/${exception.id}`);
    } catch (e) {
      setServerError(e);
    } finally {
      setBusy(false);
    }
  };
  const previewCoverage = async () => {
    setSubmitted(true);
    if (issues.length > 0) return;
    setCoverage({ key: bodyKey });
    try {
      setCoverage({ key: bodyKey, report: await api.post('/api/v1/covers', { body }) });
    } catch (e) {
      setCoverage({ key: bodyKey, error: e });
    }
  };
  const feedback = (key: string) => {
    const shown = issuesFor(key);
    return (
      <div id={`e-${key}`} aria-live="polite">
        {shown.map((i) => (
          <p key={i.code + i.message} className="error">
            {i.message}
          </p>
        ))}
      </div>
    );
  };
  const field = (key: keyof Form, label: string, input: React.ReactNode, help?: React.ReactNode) => (
    <div className={`field${issuesFor(key).length ? ' invalid' : ''}`}>
      <label htmlFor={`f-${key}`}>{label}</label>
      {input}
      {help && (
        <p className="help" id={`h-${key}`}>
          {help}
        </p>
      )}
      {feedback(key)}
    </div>
  );
  const props = (key: keyof Form) => ({
    id: `f-${key}`,
    name: key,
    value: form[key] as string,
    onChange: set(key),
    onBlur: blur(key),
    'aria-invalid': issuesFor(key).length > 0 ? true : undefined,
    'aria-describedby': `h-${key} e-${key}`,
  });
  const maxDays = settings.maxDaysByCategory[form.category] ?? settings.maxDays;
  const targetName = chosenTarget?.name ?? form.target;
  const onCluster = chosenTarget?.cluster === true;
  const currentCoverage = coverage?.key === bodyKey ? coverage : undefined;
  return (
    <div className="request">
      <form
        noValidate
        aria-label="Request an exception"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        {fromViolation && (
          <section aria-labelledby="from-violation" className="request-card">
            <h2 id="from-violation">Drafted from a violation</h2>
            {draft.loading && <Loading what="the draft" />}
            {draft.error !== undefined && <ErrorNote error={draft.error} />}
            {draft.data && <DraftSummary draft={draft.data} widened={widened} />}
          </section>
        )}
        {field(
          'target',
          'Target',
          <select
            {...props('target')}
            value={targetName}
            onChange={(e) => change({ target: e.target.value, rules: null })}
          >
            {targets.map((t) => (
              <option key={t.name} value={t.name}>
                {`${t.name} (${t.kind}${t.default ? ', default' : ''})`}
              </option>
            ))}
          </select>,
          'Where it will live: a cluster, a folder or a GitOps repository. It stays there for its whole life.',
        )}
        {field(
          'policy',
          'Policy',
          catalog.loading && !catalog.data ? (
            <Loading what="the policies" />
          ) : (
            <select
              {...props('policy')}
              value={choice.listed ? choice.name : ANOTHER}
              onChange={(e) => change({ policy: e.target.value, rules: null, apiVersion: '' }, 'policy')}
            >
              {listed.map((p) => (
                <option key={`${p.kind}/${p.name}`} value={p.name}>
                  {p.cel ? `${p.name} (CEL)` : p.kind === 'Policy' ? `${p.name} (Policy)` : p.name}
                </option>
              ))}
              {offersAnother && <option value={ANOTHER}>Another policy…</option>}
            </select>
          ),
          <>
            {catalog.data?.source === 'cluster'
              ? `The policies of cluster target ${catalog.data.target}: a request for another is refused.`
              : 'The policies this configuration names; type another if it is not listed.'}
            {catalog.data?.notes.map((n) => ` Note: ${n}.`)}
          </>,
        )}
        {catalog.error !== undefined && <ErrorNote error={catalog.error} />}
        {!choice.listed &&
          (catalog.data !== undefined || catalog.error !== undefined) &&
          field(
            'customPolicy',
            'Policy name',
            <input {...props('customPolicy')} placeholder={settings.defaultPolicy} />,
            `A ClusterPolicy's name, a Policy as namespace/name, or a CEL policy as Kind/name; empty: ${settings.defaultPolicy}.`,
          )}
        {choice.cel ? (
          <p className="help">A CEL policy has no rules: its exception names the whole policy.</p>
        ) : choice.rules ? (
          <fieldset aria-describedby="e-rules">
            <legend>Rules</legend>
            {choice.rules.map((r) => (
              <label key={r.name} className="check">
                <input
                  type="checkbox"
                  checked={chosenRules.includes(r.name)}
                  onChange={(e) =>
                    change(
                      {
                        rules: e.target.checked
                          ? [...chosenRules, r.name]
                          : chosenRules.filter((x) => x !== r.name),
                      },
                      'rules',
                    )
                  }
                />
                {r.name}
                {r.kinds.length > 0 && <span className="muted"> ({r.kinds.join(', ')})</span>}
              </label>
            ))}
            {feedback('rules')}
          </fieldset>
        ) : (
          field(
            'customRules',
            'Rules',
            <input
              {...props('customRules')}
              placeholder={choice.name === settings.defaultPolicy ? settings.defaultRules.join(', ') : ''}
            />,
            'Comma-separated rule names, as the policy writes them (the autogen ones are added for you).',
          )
        )}
        <fieldset aria-describedby="h-kinds e-kinds">
          <legend>Kinds</legend>
          {allowedKinds.map((k) => (
            <label key={k} className="check">
              <input
                type="checkbox"
                checked={form.kinds.includes(k)}
                onChange={(e) =>
                  change(
                    { kinds: e.target.checked ? [...form.kinds, k] : form.kinds.filter((x) => x !== k) },
                    'kinds',
                  )
                }
              />
              {k}
            </label>
          ))}
          <p className="help" id="h-kinds">
            Pods, or a Pod controller: Kyverno checks a controller with its autogen rules and its pods with
            the rule itself, so the exception names both.
          </p>
          {feedback('kinds')}
        </fieldset>
        <p className="help scope" id="scope-summary" aria-live="polite">
          {scopeSummary(check.scope, fields.rules, choice, settings)}
        </p>
        {field(
          'apiVersion',
          'API version',
          <select
            {...props('apiVersion')}
            value={apiVersion}
            onChange={(e) => change({ apiVersion: e.target.value }, 'apiVersion')}
          >
            {apiVersions
              .filter((v) => isCelApiVersion(v) === choice.cel)
              .map((v) => (
                <option key={v}>{v}</option>
              ))}
          </select>,
          choice.cel
            ? 'A CEL policy takes a policies.kyverno.io PolicyException.'
            : 'A ClusterPolicy or Policy takes a kyverno.io PolicyException.',
        )}
        {field(
          'namespaces',
          'Namespaces',
          <input {...props('namespaces')} required />,
          'Specific namespaces, comma-separated; no wildcards for all.',
        )}
        {field(
          'names',
          'Pod name patterns',
          <input {...props('names')} required />,
          'Which pods or controllers, e.g. payments-api-*.',
        )}
        {draft.data?.fields.podSecurity?.length ? (
          <PodSecurityChoice
            entries={draft.data.fields.podSecurity}
            dropped={dropped}
            toggle={(key) => {
              const next = new Set(dropped);
              if (!next.delete(key)) next.add(key);
              setDropped(next);
              setServerError(undefined);
            }}
          />
        ) : null}
        {choice.cel &&
          field(
            'images',
            'Images lent to the policy',
            <input {...props('images')} />,
            'Comma-separated; a ValidatingPolicy reads them as exceptions.allowedImages. Empty: the whole policy is skipped.',
          )}
        {choice.cel &&
          field(
            'allowedValues',
            'Values lent to the policy',
            <input {...props('allowedValues')} />,
            'Comma-separated; for a policy that reads exceptions.allowedValues.',
          )}
        {field(
          'category',
          'Category',
          <select {...props('category')}>
            {categories.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>,
          categoryHelp[form.category],
        )}
        {field(
          'ticket',
          'Ticket',
          <input {...props('ticket')} required />,
          'The change or incident ticket, e.g. INC-4521.',
        )}
        {field(
          'reason',
          'Reason',
          <textarea {...props('reason')} required />,
          `At least ${settings.minReasonLength} characters. Not valid: ${settings.invalidReasons.map((r) => `“${r.phrase}”`).join(', ')}.`,
        )}
        {field(
          'riskAssessment',
          'Risk assessment',
          <input {...props('riskAssessment')} />,
          'A link; required for a vendor image.',
        )}
        {field(
          'riskBefore',
          'Risk before compensating controls',
          <input {...props('riskBefore')} placeholder="4:5" />,
          'Likelihood:impact, each 1 (rare, negligible) to 5 (almost certain, severe); optional.',
        )}
        {field(
          'riskAfter',
          'Risk after compensating controls',
          <input {...props('riskAfter')} placeholder="2:5" />,
          'Likelihood:impact once the controls below are in place; not above the risk before them.',
        )}
        {field(
          'compensatingControls',
          'Compensating controls',
          <textarea {...props('compensatingControls')} />,
          'What limits the risk while the exception is in force; optional.',
        )}
        {choice.cel &&
          field(
            'validations',
            'Validations (CEL)',
            <textarea {...props('validations')} spellCheck={false} />,
            'One CEL expression a line, e.g. object.metadata.labels.team == "payments": Kyverno lets a resource through only when every one is true. CEL policies only.',
          )}
        {field(
          'falsePositive',
          'Stated false positive',
          <textarea {...props('falsePositive')} />,
          `Only if the policy's finding is wrong for this scope: say why, in at least ${MIN_FALSE_POSITIVE_LENGTH} characters. Approving the request approves the claim.`,
        )}
        {field(
          'expires',
          'Expires',
          <input {...props('expires')} required />,
          `A duration (14d) or an instant; at most ${maxDays} days for this category.`,
        )}
        {submitted &&
          [...issues, ...serverIssues]
            .filter((i) => !formFields.has(formFieldOf(i.field)))
            .map((i) => <ErrorNote key={i.code} message={`${i.field}: ${i.message}`} />)}
        {serverError !== undefined && serverIssues.length === 0 && <ErrorNote error={serverError} />}
        <button type="submit" disabled={busy}>
          Request
        </button>
      </form>
      <div>
        <section aria-labelledby="preview" className="preview">
          <h2 id="preview">What Kyverno would read</h2>
          <p className="help">
            On {targetName ? `target ${targetName}` : 'the default target'} once approved and applied; its id
            is given when it is requested.
          </p>
          {check.preview ? (
            <pre className="yaml" tabIndex={0} aria-label="The PolicyException as YAML">
              {check.preview}
            </pre>
          ) : (
            <p className="empty">Give a valid expiry to see the manifest.</p>
          )}
        </section>
        <section aria-labelledby="would-cover" className="blast-radius">
          <h2 id="would-cover">What it would let through</h2>
          {onCluster ? (
            <>
              <button type="button" className="secondary" onClick={() => void previewCoverage()}>
                Preview what it lets through
              </button>
              {currentCoverage && !currentCoverage.report && currentCoverage.error === undefined && (
                <Loading what="the resources it would cover" />
              )}
              {currentCoverage?.error !== undefined && <ErrorNote error={currentCoverage.error} />}
              {currentCoverage?.report && <CoverageSummary report={currentCoverage.report} />}
            </>
          ) : (
            <NoClusterNote />
          )}
        </section>
      </div>
    </div>
  );
}

/** The policy chosen: a listed one, a typed one, or the default (listed first when the target has it). */
function policyChoice(
  form: Form,
  listed: readonly { name: string; cel: boolean; rules: KnownRule[] | null }[],
  offersAnother: boolean,
  settings: ProcessSettings,
): PolicyChoice {
  const picked =
    form.policy === ANOTHER && offersAnother
      ? undefined
      : (listed.find((p) => p.name === form.policy) ??
        listed.find((p) => p.name === settings.defaultPolicy) ??
        listed[0]);
  if (picked)
    return {
      name: picked.name,
      listed: true,
      cel: picked.cel,
      rules: picked.rules?.length ? picked.rules : null,
    };
  const name = form.customPolicy.trim() || settings.defaultPolicy;
  return { name, listed: false, cel: parseCelPolicyRef(name) !== undefined, rules: null };
}

/** The configured default rules for the default policy; a policy's only rule; else none until chosen. */
function defaultRules(policy: string, rules: readonly KnownRule[], settings: ProcessSettings): string[] {
  if (policy === settings.defaultPolicy)
    return settings.defaultRules.filter((r) => rules.some((k) => k.name === r));
  return rules.length === 1 && rules[0] ? [rules[0].name] : [];
}

/** The version asked for when it fits the policy's kind, else the configured one or the newest that does. */
function versionFor(cel: boolean, asked: string, settings: ProcessSettings): ApiVersion {
  const fits = (v: string): v is ApiVersion =>
    (apiVersions as readonly string[]).includes(v) && isCelApiVersion(v) === cel;
  if (fits(asked)) return asked;
  if (fits(settings.apiVersion)) return settings.apiVersion;
  return cel ? 'policies.kyverno.io/v1' : 'kyverno.io/v2';
}

/** What the form itself demands before the guardrails: rules for a policy with rules, and a kind. */
function formIssues(
  choice: PolicyChoice,
  rules: readonly string[],
  kinds: readonly string[],
  settings: ProcessSettings,
): Issue[] {
  const issues: Issue[] = [];
  // With no rules the server would take the configured defaults, which belong to the default policy only.
  if (!choice.cel && rules.length === 0 && (choice.rules !== null || choice.name !== settings.defaultPolicy))
    issues.push({
      code: 'rules-missing',
      field: 'rules',
      message: `choose the rules of ${choice.name} to except`,
    });
  if (kinds.length === 0)
    issues.push({ code: 'kinds-missing', field: 'kinds', message: 'choose at least one kind' });
  return issues;
}

/**
 * The scope as Kyverno will read it, autogen rules and added kinds included. With no rules given the
 * server takes the configured default rules, which the summary says; for another policy the form sends
 * nothing until rules are chosen, so it claims none.
 */
function scopeSummary(
  scope: { policy: string; rules: string[]; kinds: string[]; names: string[] },
  given: readonly string[],
  choice: PolicyChoice,
  settings: ProcessSettings,
): string {
  const rules = choice.cel
    ? 'the whole policy'
    : given.length
      ? `rules ${scope.rules.join(', ')}`
      : choice.name === settings.defaultPolicy && choice.rules === null
        ? `rules ${scope.rules.join(', ')} (the default rules)`
        : 'no rules chosen yet';
  const names = scope.names.length ? `; names ${scope.names.join(', ')}` : '';
  return `It will except ${scope.policy}: ${rules}; kinds ${scope.kinds.join(', ')}${names}.`;
}

const formFields = new Set([
  'namespaces',
  'names',
  'category',
  'ticket',
  'reason',
  'riskAssessment',
  'expires',
  'policy',
  'customPolicy',
  'rules',
  'customRules',
  'kinds',
  'apiVersion',
  'target',
  'riskBefore',
  'riskAfter',
  'compensatingControls',
  'validations',
  'falsePositive',
]);

const scopeOf = ({ name: _name, ...scope }: { name: string } & Draft['scope']): Draft['scope'] => scope;

/** The draft's entries less what was unticked: an entry (`i`), or one of its images or values. */
function keptEntries(entries: readonly PodSecurityEntry[], dropped: ReadonlySet<string>): PodSecurityEntry[] {
  return entries.flatMap((e, i) =>
    dropped.has(`${i}`)
      ? []
      : [
          {
            ...e,
            images: e.images.filter((x) => !dropped.has(`${i} image ${x}`)),
            values: e.values.filter((x) => !dropped.has(`${i} value ${x}`)),
          },
        ],
  );
}

/** The draft's Pod Security entries as boxes to untick: a requester may narrow them, not widen them. */
function PodSecurityChoice({
  entries,
  dropped,
  toggle,
}: {
  entries: readonly PodSecurityEntry[];
  dropped: ReadonlySet<string>;
  toggle: (key: string) => void;
}) {
  const box = (key: string, label: string) => (
    <label key={key} className="check">
      <input type="checkbox" checked={!dropped.has(key)} onChange={() => toggle(key)} /> {label}
    </label>
  );
  return (
    <fieldset aria-describedby="h-podSecurity">
      <legend>Pod Security controls exempted</legend>
      {entries.map((e, i) => (
        <div key={i}>
          {box(`${i}`, podSecurityLine({ ...e, images: [], values: [] }))}
          <div className="nested">
            {e.images.map((x) => box(`${i} image ${x}`, `image ${x}`))}
            {e.values.map((x) => box(`${i} value ${x}`, `value ${x}`))}
          </div>
        </div>
      ))}
      <p className="help" id="h-podSecurity">
        The failing controls, containers and values only. Untick what need not be exempted; leaving an image
        or value out narrows the exception, leaving every control out would exempt the whole rule.
      </p>
    </fieldset>
  );
}

const changeText = (c: ScopeChange) => `${c.field}: ${c.values.join(', ')}`;

/** Where the draft came from and why it names what it names; a widening stands out. */
function DraftSummary({ draft, widened }: { draft: Draft; widened: readonly ScopeChange[] }) {
  const r = draft.from.resource;
  return (
    <>
      <p>
        {r.kind} {r.namespace}/{r.name}
        {draft.from.owner && ` (owned by ${draft.from.owner.kind} ${draft.from.owner.name})`} fails{' '}
        {draft.from.policy}:
      </p>
      <ul>
        {draft.from.rules.map((x) => (
          <li key={x.rule}>
            {x.rule || draft.from.policy}: {x.message}
          </li>
        ))}
      </ul>
      <p className="help">
        Named by {draft.basis}: {draft.why}
      </p>
      {draft.notes.map((n) => (
        <p key={n} className="help">
          {n}
        </p>
      ))}
      {widened.length > 0 ? (
        <p className="warning" role="status">
          Wider than the draft ({widened.map(changeText).join('; ')}): the reviewer will see this widening.
        </p>
      ) : (
        <p className="help" role="status">
          No wider than the draft: you may narrow it further.
        </p>
      )}
    </>
  );
}
