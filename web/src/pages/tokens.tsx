import { useRef, useState } from 'react';
import { ApiError, type Success } from '../api/client';
import { useSession, type Role } from '../auth/session';
import { DataTable } from '../components/data-table';
import { Empty, ErrorNote, Loading, refusalOn } from '../components/status';
import { Time } from '../components/time';
import { useAsync } from '../components/use-async';
import { checkTokenFields } from '../token-check';

const ROLES: Role[] = ['requester', 'approver', 'applier', 'auditor', 'admin'];

type Token = Success<'/api/v1/tokens', 'get'>['items'][number];

/** A token's state now: revoked, expired or active (and until when). */
function TokenState({ t, now }: { t: Token; now: number }) {
  if (t.revokedAt)
    return (
      <>
        <span className="badge state-removed">revoked</span> <Time iso={t.revokedAt} />
      </>
    );
  if (t.expiresAt && Date.parse(t.expiresAt) <= now)
    return (
      <>
        <span className="badge state-expired">expired</span> <Time iso={t.expiresAt} />
      </>
    );
  return (
    <>
      <span className="badge state-active">active</span>{' '}
      {t.expiresAt ? (
        <>
          until <Time iso={t.expiresAt} relative now={now} />
        </>
      ) : (
        <span className="muted">no expiry</span>
      )}
    </>
  );
}

/** Tokens for other people (admin): each secret is shown once, then only its hash is kept. */
export function TokensPage() {
  const { api } = useSession();
  const tokens = useAsync(() => api.get('/api/v1/tokens'), [api]);
  const [owner, setOwner] = useState('');
  const [roles, setRoles] = useState<Role[]>(['requester']);
  const [expires, setExpires] = useState('90d');
  const [created, setCreated] = useState<{ owner: string; secret: string } | undefined>();
  const [error, setError] = useState<unknown>();
  const [submitted, setSubmitted] = useState(false);
  const issues = checkTokenFields({ owner, roles, expires }, Date.now());
  /** What is wrong with a field: the form's own check once submitted, else the server's refusal. */
  const problemOf = (field: string) =>
    (submitted ? issues.find((i) => i.field === field)?.message : undefined) ?? refusalOn(error, field);
  const formFields = ['owner', 'roles', 'expires'];
  const create = async () => {
    setError(undefined);
    setSubmitted(true);
    if (issues.length > 0) return;
    try {
      const result = await api.post('/api/v1/tokens', {
        body: { owner: owner.trim(), roles, expires: expires.trim() || undefined },
      });
      setCreated({ owner: result.token.owner, secret: result.secret });
      setOwner('');
      setSubmitted(false);
      tokens.reload();
    } catch (e) {
      setError(e);
    }
  };
  const [confirming, setConfirming] = useState<string | undefined>();
  const revoke = async (id: string) => {
    try {
      await api.del('/api/v1/tokens/{id}', { path: { id } });
      setConfirming(undefined);
      tokens.reload();
    } catch (e) {
      setError(e);
    }
  };
  const now = Date.now();
  return (
    <>
      <h2>Make a token</h2>
      <form
        className="token-form"
        aria-label="Create a token"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <label htmlFor="t-owner">Owner (the identity it acts as)</label>
        <input
          id="t-owner"
          value={owner}
          onChange={(e) => setOwner(e.target.value)}
          aria-invalid={problemOf('owner') ? true : undefined}
          aria-describedby="e-owner"
        />
        <FieldProblem id="e-owner" text={problemOf('owner')} />
        <fieldset aria-describedby="e-roles" aria-invalid={problemOf('roles') ? true : undefined}>
          <legend>Roles</legend>
          {ROLES.map((r) => (
            <label key={r} className="check">
              <input
                type="checkbox"
                checked={roles.includes(r)}
                onChange={(e) => setRoles(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r))}
              />
              {r}
            </label>
          ))}
          <FieldProblem id="e-roles" text={problemOf('roles')} />
        </fieldset>
        <label htmlFor="t-expires">Expires after</label>
        <input
          id="t-expires"
          value={expires}
          onChange={(e) => setExpires(e.target.value)}
          aria-invalid={problemOf('expires') ? true : undefined}
          aria-describedby="e-expires"
        />
        <FieldProblem id="e-expires" text={problemOf('expires')} />
        <button type="submit">Create token</button>
      </form>
      {error !== undefined &&
        !(error instanceof ApiError && error.field && formFields.includes(error.field)) && (
          <ErrorNote error={error} />
        )}
      {created && <Secret owner={created.owner} secret={created.secret} />}
      <h2>Tokens</h2>
      {tokens.loading && !tokens.data && <Loading what="tokens" />}
      {tokens.error !== undefined && <ErrorNote error={tokens.error} />}
      {tokens.data &&
        (tokens.data.items.length === 0 ? (
          <Empty>No tokens yet.</Empty>
        ) : (
          <DataTable
            rows={tokens.data.items}
            rowKey={(t) => t.id}
            columns={[
              { header: 'ID', cell: (t) => t.id },
              { header: 'Owner', cell: (t) => t.owner },
              { header: 'Roles', cell: (t) => t.roles.join(', ') },
              { header: 'State', cell: (t) => <TokenState t={t} now={now} /> },
              { header: 'Created', cell: (t) => <Time iso={t.createdAt} /> },
              {
                header: 'Actions',
                cell: (t) =>
                  t.revokedAt ? (
                    <span className="muted">—</span>
                  ) : confirming === t.id ? (
                    <span className="confirm" role="group" aria-label={`Confirm revoking ${t.id}`}>
                      <span>{t.owner} loses access at once.</span>
                      <button type="button" className="danger" onClick={() => void revoke(t.id)}>
                        Revoke {t.id}
                      </button>
                      <button type="button" className="secondary" onClick={() => setConfirming(undefined)}>
                        Cancel
                      </button>
                    </span>
                  ) : (
                    <button type="button" className="secondary danger" onClick={() => setConfirming(t.id)}>
                      Revoke…
                    </button>
                  ),
              },
            ]}
          />
        ))}
    </>
  );
}

/** The new secret, shown once, with a button that copies it (or selects it where copying is refused). */
function Secret({ owner, secret }: { owner: string; secret: string }) {
  const [copied, setCopied] = useState<string | undefined>();
  const code = useRef<HTMLElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('Copied to the clipboard.');
    } catch {
      const node = code.current;
      if (node) window.getSelection()?.selectAllChildren(node);
      setCopied('Selected: press Ctrl+C (⌘C) to copy.');
    }
  };
  return (
    <div className="secret" role="status">
      <p>
        The token for <strong>{owner}</strong>, shown once: copy it and hand it over now.
      </p>
      <code ref={code} aria-label="The new token">
        {secret}
      </code>
      <p className="actions">
        <button type="button" onClick={() => void copy()}>
          Copy token
        </button>
        {copied && <span className="muted">{copied}</span>}
      </p>
    </div>
  );
}

/** A field's problem, under it. */
function FieldProblem({ id, text }: { id: string; text: string | undefined }) {
  return text ? (
    <p id={id} className="error" role="alert">
      {text}
    </p>
  ) : null;
}
