import { lazy, Suspense, useEffect, useRef } from 'react';
import { useSession } from './auth/session';
import { Loading } from './components/status';
import { AuditPage } from './pages/audit';
import { DashboardPage } from './pages/dashboard';
import { ExceptionPage } from './pages/exception';
import { ExceptionsPage } from './pages/exceptions';
import { ReviewPage } from './pages/review';
import { TokensPage } from './pages/tokens';
import { ViolationsPage } from './pages/violations';
import { href, type Route } from './route';
import { nav, requiredRoles, titles } from './shell';
import { useRoute } from './use-route';

/**
 * The request form carries the server's guardrails and the YAML renderer (most of the app's weight):
 * it loads when someone opens it, not on every first visit.
 */
const RequestPage = lazy(() => import('./pages/request').then((m) => ({ default: m.RequestPage })));
/** The audit report is an auditor's page, with the report's tables and the OSCAL downloads: on demand too. */
const ReportPage = lazy(() => import('./pages/report').then((m) => ({ default: m.ReportPage })));

export function App() {
  const route = useRoute();
  const { me, can, signOut } = useSession();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${titles[route.page]} · Waiver`;
    heading.current?.focus();
  }, [route]);
  const usable = (page: Route['page']) => {
    const needs = requiredRoles[page];
    return needs === undefined || can(...needs);
  };
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <a className="brand" href={href('/')}>
          Waiver
        </a>
        <nav aria-label="Pages">
          <ul>
            {nav
              .filter((n) => usable(n.page))
              .map((n) => (
                <li key={n.page}>
                  <a href={href(n.path)} aria-current={route.page === n.page ? 'page' : undefined}>
                    {n.label}
                  </a>
                </li>
              ))}
          </ul>
        </nav>
        <div className="who">
          <span title={me.roles.join(', ')}>
            {me.name} <span className="muted">({me.roles.join(', ')})</span>
          </span>
          <button type="button" className="secondary" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main">
        <h1 ref={heading} tabIndex={-1}>
          {route.page === 'exception' ? route.id : titles[route.page]}
        </h1>
        {usable(route.page) ? (
          <Page route={route} />
        ) : (
          <p>
            This page is for {(requiredRoles[route.page] ?? []).concat('admin').join(' or ')}; you are signed
            in as {me.name} ({me.roles.join(', ')}). <a href={href('/')}>Back to the dashboard</a>
          </p>
        )}
      </main>
    </>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'dashboard':
      return <DashboardPage />;
    case 'exceptions':
      return <ExceptionsPage query={route.query} />;
    case 'exception':
      return <ExceptionPage id={route.id} />;
    case 'request':
      return (
        <Suspense
          fallback={
            <div aria-busy="true">
              <Loading what="the request form" />
            </div>
          }
        >
          <RequestPage query={route.query} />
        </Suspense>
      );
    case 'violations':
      return <ViolationsPage query={route.query} />;
    case 'review':
      return <ReviewPage />;
    case 'audit':
      return <AuditPage query={route.query} />;
    case 'report':
      return (
        <Suspense fallback={<Loading what="the report" />}>
          <ReportPage query={route.query} />
        </Suspense>
      );
    case 'tokens':
      return <TokensPage />;
    case 'not-found':
      return <p>There is no page {route.path}.</p>;
  }
}
