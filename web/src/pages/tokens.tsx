import { useState } from 'react';
import { useSession, type Role } from '../auth/session';
import { Empty, ErrorNote, Loading } from '../components/status';
import { Time } from '../components/time';
import { useAsync } from '../components/use-async';

const ROLES: Role[] = ['requester', 'approver', 'applier', 'auditor', 'admin'];

/** Tokens for other people (admin): each secret is shown once, then only its hash is kept. */
export function TokensPage() {
  const { api } = useSession();
  const tokens = useAsync(() => api.get('/api/v1/tokens'), [api]);
  const [owner, setOwner] = useState('');
  const [roles, setRoles] = useState<Role[]>(['requester']);
  const [expires, setExpires] = useState('90d');
  const [created, setCreated] = useState<{ owner: string; secret: string } | undefined>();
  const [error, setError] = useState<unknown>();
  const create = async () => {
    setError(undefined);
    try {
      const result = await api.post('/api/v1/tokens', {
        body: { owner: owner.trim(), roles, expires: expires.trim() || undefined },
      });
      setCreated({ owner: result.token.owner, secret: result.secret });
      setOwner('');
      tokens.reload();
    } catch (e) {
      setError(e);
    }
  };
  const revoke = async (id: string) => {
    try {
      await api.del('/api/v1/tokens/{id}', { path: { id } });
      tokens.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <form
        className="token-form"
        aria-label="Create a token"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <label htmlFor="t-owner">Owner (the identity it acts as)</label>
        <input id="t-owner" value={owner} onChange={(e) => setOwner(e.target.value)} required />
        <fieldset>
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
        </fieldset>
        <label htmlFor="t-expires">Expires after</label>
        <input id="t-expires" value={expires} onChange={(e) => setExpires(e.target.value)} />
        <button type="submit">Create token</button>
      </form>
      {error !== undefined && <ErrorNote error={error} />}
      {created && (
        <div className="secret" role="status">
          <p>
            The token for <strong>{created.owner}</strong>, shown once: hand it over now.
          </p>
          <code aria-label="The new token">{created.secret}</code>
        </div>
      )}
      {tokens.loading && !tokens.data && <Loading what="tokens" />}
      {tokens.data &&
        (tokens.data.items.length === 0 ? (
          <Empty>No tokens yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">ID</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Roles</th>
                  <th scope="col">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {tokens.data.items.map((t) => (
                  <tr key={t.id}>
                    <td>{t.id}</td>
                    <td>{t.owner}</td>
                    <td>{t.roles.join(', ')}</td>
                    <td>
                      <Time iso={t.createdAt} />
                    </td>
                    <td>
                      <Time iso={t.expiresAt} />
                    </td>
                    <td>
                      {t.revokedAt ? (
                        'revoked'
                      ) : (
                        <button type="button" className="danger" onClick={() => void revoke(t.id)}>
                          Revoke {t.id}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </>
  );
}
