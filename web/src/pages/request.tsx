import { useMemo, useState } from 'react';
import { categories, type Category } from '../../../src/domain/exception';
import { ApiError } from '../api/client';
import { useSession } from '../auth/session';
import { ErrorNote } from '../components/status';
import { useAsync } from '../components/use-async';
import { href } from '../route';
import { checkRequestFields, listOf } from '../request-check';

/** The process document's valid reason for each category, and what it demands. */
const categoryHelp: Record<Category, string> = {
  'emergency-hotfix':
    'An emergency production incident. The ticket must be an incident (INC-…); 7 days at most.',
  'vendor-image': 'A third-party vendor image, after a risk assessment: link the assessment.',
  'legacy-migration': 'A legacy workload during its migration period to signed images.',
  'image-development': 'Development or testing of new images before they enter the signed pipeline.',
};

interface Form {
  namespaces: string;
  names: string;
  category: Category;
  ticket: string;
  reason: string;
  riskAssessment: string;
  expires: string;
  policy: string;
  rules: string;
  /** A target's name; empty for the server's default target. */
  target: string;
}

/** The request form: checked as you type by the server's own guardrails, with the manifest it would become. */
export function RequestPage() {
  const { api, me, settings } = useSession();
  const [form, setForm] = useState<Form>({
    namespaces: '',
    names: '',
    category: 'legacy-migration',
    ticket: '',
    reason: '',
    riskAssessment: '',
    expires: '14d',
    policy: settings.defaultPolicy,
    rules: settings.defaultRules.join(', '),
    target: '',
  });
  const targets = useAsync(() => api.get('/api/v1/targets'), [api]).data?.items ?? [];
  const [touched, setTouched] = useState<Set<keyof Form>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [serverError, setServerError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const fields = {
    namespaces: listOf(form.namespaces),
    names: listOf(form.names),
    category: form.category,
    ticket: form.ticket,
    reason: form.reason,
    riskAssessment: form.riskAssessment || null,
    expires: form.expires,
    policy: form.policy.trim() || undefined,
    rules: listOf(form.rules),
  };
  const check = useMemo(
    () => checkRequestFields(fields, settings, me.name, Date.now()),
    [JSON.stringify(fields), settings, me.name],
  );
  const serverIssues = serverError instanceof ApiError ? serverError.issues : [];
  const issuesFor = (field: string) => {
    const local = check.issues.filter((i) => fieldOf(i.field) === field);
    const remote = serverIssues.filter((i) => fieldOf(i.field) === field);
    const shown = touched.has(field as keyof Form) || submitted ? local : [];
    return [...shown, ...remote];
  };
  const set = (key: keyof Form) => (e: { target: { value: string } }) => {
    setForm({ ...form, [key]: e.target.value });
    setServerError(undefined);
  };
  const blur = (key: keyof Form) => () => setTouched(new Set(touched).add(key));
  const submit = async () => {
    setSubmitted(true);
    if (check.issues.length > 0) return;
    setBusy(true);
    try {
      const { exception } = await api.post('/api/v1/exceptions', {
        body: {
          ...fields,
          riskAssessment: fields.riskAssessment ?? undefined,
          ...(form.target ? { target: form.target } : {}),
        },
      });
      window.location.hash = href(`/exceptions/${exception.id}`);
    } catch (e) {
      setServerError(e);
    } finally {
      setBusy(false);
    }
  };
  const field = (key: keyof Form, label: string, input: React.ReactNode, help?: string) => {
    const issues = issuesFor(key);
    return (
      <div className={`field${issues.length ? ' invalid' : ''}`}>
        <label htmlFor={`f-${key}`}>{label}</label>
        {input}
        {help && (
          <p className="help" id={`h-${key}`}>
            {help}
          </p>
        )}
        <div id={`e-${key}`} aria-live="polite">
          {issues.map((i) => (
            <p key={i.code + i.message} className="error">
              {i.message}
            </p>
          ))}
        </div>
      </div>
    );
  };
  const props = (key: keyof Form) => ({
    id: `f-${key}`,
    name: key,
    value: form[key],
    onChange: set(key),
    onBlur: blur(key),
    'aria-invalid': issuesFor(key).length > 0 ? true : undefined,
    'aria-describedby': `h-${key} e-${key}`,
  });
  const maxDays = settings.maxDaysByCategory[form.category] ?? settings.maxDays;
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
          'Which pods, e.g. payments-api-*.',
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
          'expires',
          'Expires',
          <input {...props('expires')} required />,
          `A duration (14d) or an instant; at most ${maxDays} days for this category.`,
        )}
        {targets.length > 1 &&
          field(
            'target',
            'Target',
            <select {...props('target')}>
              {targets.map((t) => (
                <option key={t.name} value={t.default ? '' : t.name}>
                  {`${t.name} (${t.kind}${t.default ? ', default' : ''})`}
                </option>
              ))}
            </select>,
            'Where it will live: a cluster or a GitOps repository. It stays there for its whole life.',
          )}
        <details>
          <summary>Policy and rules</summary>
          {field('policy', 'Policy', <input {...props('policy')} />)}
          {field('rules', 'Rules', <input {...props('rules')} />, 'Comma-separated rule names.')}
        </details>
        {submitted &&
          [...check.issues, ...serverIssues]
            .filter((i) => !formFields.has(fieldOf(i.field)))
            .map((i) => <ErrorNote key={i.code} message={`${i.field}: ${i.message}`} />)}
        {serverError !== undefined && serverIssues.length === 0 && <ErrorNote error={serverError} />}
        <button type="submit" disabled={busy}>
          Request
        </button>
      </form>
      <section aria-labelledby="preview" className="preview">
        <h2 id="preview">What Kyverno would read</h2>
        <p className="help">Once approved and applied; its id is given when it is requested.</p>
        {check.preview ? (
          <pre className="yaml" tabIndex={0} aria-label="The PolicyException as YAML">
            {check.preview}
          </pre>
        ) : (
          <p className="empty">Give a valid expiry to see the manifest.</p>
        )}
      </section>
    </div>
  );
}

/** A guardrail's field as the form names it (`expiresAt` → `expires`). */
const fieldOf = (field: string): string => {
  const last = field.split('.').at(-1) ?? field;
  return last === 'expiresAt' ? 'expires' : last;
};

const formFields = new Set([
  'namespaces',
  'names',
  'category',
  'ticket',
  'reason',
  'riskAssessment',
  'expires',
  'policy',
  'rules',
  'target',
]);
