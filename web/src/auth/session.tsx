import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import type { ProcessSettings } from '../../../src/domain/settings';
import { apiClient, type Api, type Success } from '../api/client';
import { ErrorNote } from '../components/status';
import { carriedConfig, takeArrived, takeStarted, TOKEN_KEY, UI_CONFIG } from '../first-calls';
import { completeOidcSignIn, startOidcSignIn, type OidcSettings } from './oidc';

export type Me = Success<'/api/v1/me', 'get'>;
export type Role = Me['roles'][number];
export type TargetInfo = Success<'/api/v1/targets', 'get'>['items'][number];

export interface Session {
  api: Api;
  me: Me;
  settings: ProcessSettings;
  /** The configured targets and what each supports: pages call only what one of them can answer. */
  targets: readonly TargetInfo[];
  /** The signed-in user holds one of these roles (an admin holds them all). */
  can: (...roles: Role[]) => boolean;
  signOut: () => void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

interface UiConfig {
  version: string;
  oidc: OidcSettings | null;
}

/** What a signed-in page knows first: who, the process's rules, the targets (first-calls.ts starts them). */
const SESSION_CALLS = ['/api/v1/me', '/api/v1/settings', '/api/v1/targets'] as const;

function sessionOf(
  api: Api,
  me: Me,
  settings: ProcessSettings,
  targets: readonly TargetInfo[],
  signOut: () => void,
): Session {
  const can = (...roles: Role[]) => me.roles.includes('admin') || roles.some((r) => me.roles.includes(r));
  return { api, me, settings, targets, can, signOut };
}

/** The session from answers that have already arrived (all three), or undefined. */
function arrivedSession(token: string, signOut: () => void): Session | undefined {
  const arrived = takeArrived(SESSION_CALLS, token);
  if (!arrived) return undefined;
  // The server's JSON, as api.get would give it.
  const [me, settings, targets] = arrived as [Me, ProcessSettings, Success<'/api/v1/targets', 'get'>];
  return sessionOf(apiClient(token, signOut), me, settings, targets.items, signOut);
}

/** Signs the user in (a token, or the OpenID provider), then renders the app with their session. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [token, setToken] = useState<string | null>(() => sessionStorage.getItem(TOKEN_KEY));
  const signOut = useCallback(() => {
    sessionStorage.removeItem(TOKEN_KEY);
    setToken(null);
    setSession(undefined);
  }, []);
  // When the session's answers arrived before React did, the first render is the signed-in page.
  const [session, setSession] = useState<Session | undefined>(() =>
    token ? arrivedSession(token, signOut) : undefined,
  );
  const adopted = useRef(session !== undefined);
  const [config, setConfig] = useState<UiConfig | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    void (async () => {
      try {
        const loaded = (carriedConfig() ??
          (await (await (takeStarted(UI_CONFIG) ?? fetch(UI_CONFIG))).json())) as UiConfig;
        setConfig(loaded);
        if (loaded.oidc) {
          const idToken = await completeOidcSignIn(loaded.oidc);
          if (idToken) {
            sessionStorage.setItem(TOKEN_KEY, idToken);
            setToken(idToken);
          }
        }
      } catch (e) {
        setError(e instanceof Error ? e.message : String(e));
      }
    })();
  }, []);

  useEffect(() => {
    if (!token) return;
    if (adopted.current) {
      adopted.current = false;
      return;
    }
    const api = apiClient(token, signOut);
    void (async () => {
      try {
        const [me, settings, { items: targets }] = await Promise.all([
          api.get(SESSION_CALLS[0]),
          api.get(SESSION_CALLS[1]),
          api.get(SESSION_CALLS[2]),
        ]);
        sessionStorage.setItem(TOKEN_KEY, token);
        setSession(sessionOf(api, me, settings, targets, signOut));
        setError(undefined);
      } catch (e) {
        sessionStorage.removeItem(TOKEN_KEY);
        setToken(null);
        setError(e instanceof Error ? e.message : String(e));
      }
    })();
  }, [token, signOut]);

  const value = useMemo(() => session, [session]);
  if (value) return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
  if (token && !error)
    return (
      <p className="loading" role="status">
        Signing in…
      </p>
    );
  return <SignIn config={config} error={error} onToken={setToken} />;
}

function SignIn({
  config,
  error,
  onToken,
}: {
  config: UiConfig | undefined;
  error: string | undefined;
  onToken: (token: string) => void;
}) {
  const [text, setText] = useState('');
  const [oidcError, setOidcError] = useState<string | undefined>();
  const oidc = config?.oidc;
  return (
    <main className="sign-in">
      <h1>Waiver</h1>
      <p>Policy exceptions that are explicit, time-bound, audited and decreasing.</p>
      {(error ?? oidcError) && <ErrorNote message={error ?? oidcError ?? ''} />}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim()) onToken(text.trim());
        }}
      >
        <label htmlFor="token">API token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-describedby="token-help"
        />
        <p id="token-help" className="help">
          The first admin token is shown once where <code>waiver serve</code> started, when that is a
          terminal; otherwise it is in the file <code>./.waiver/admin-token</code> in the folder the server
          runs in (or where <code>server.adminTokenFile</code> says). An admin makes more with{' '}
          <code>waiver token create</code> or on the Tokens page.
        </p>
        <button type="submit">Sign in</button>
      </form>
      {oidc && (
        <p>
          <button
            type="button"
            className="secondary"
            onClick={() =>
              void startOidcSignIn(oidc).catch((e: unknown) =>
                setOidcError(e instanceof Error ? e.message : String(e)),
              )
            }
          >
            Sign in with {new URL(oidc.issuer).host}
          </button>
        </p>
      )}
    </main>
  );
}
