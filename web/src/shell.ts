import type { Role } from '../../src/domain/roles';
import type { Route } from './route';

/**
 * The app's frame, shared by the React app (app.tsx) and the first paint (first-paint.ts), which must draw
 * the same page: each page's title, the navigation, and who may use which page.
 */
export const titles: Record<Route['page'], string> = {
  dashboard: 'Dashboard',
  exceptions: 'Exceptions',
  exception: 'Exception',
  request: 'Request an exception',
  violations: 'Violations',
  review: 'Review',
  audit: 'Audit log',
  report: 'Audit report',
  tokens: 'API tokens',
  'not-found': 'Not found',
};

/**
 * Pages only some roles can use (an admin can use them all): they are neither offered nor rendered to
 * the others, who would only fill in a form the server refuses.
 */
export const requiredRoles: Partial<Record<Route['page'], Role[]>> = {
  request: ['requester'],
  tokens: [],
};

/** The user holds one of `roles` (an admin holds them all). */
export const holds = (mine: readonly string[], roles: readonly string[]): boolean =>
  mine.includes('admin') || roles.some((r) => mine.includes(r));

/** Whether a user with these roles may use the page. */
export const usable = (mine: readonly string[], page: Route['page']): boolean => {
  const needs = requiredRoles[page];
  return needs === undefined || holds(mine, needs);
};

export const nav: readonly { page: Route['page']; path: string; label: string }[] = [
  { page: 'dashboard', path: '/', label: 'Dashboard' },
  { page: 'exceptions', path: '/exceptions', label: 'Exceptions' },
  { page: 'violations', path: '/violations', label: 'Violations' },
  { page: 'request', path: '/request', label: 'Request' },
  { page: 'review', path: '/review', label: 'Review' },
  { page: 'audit', path: '/audit', label: 'Audit log' },
  { page: 'report', path: '/report', label: 'Report' },
  { page: 'tokens', path: '/tokens', label: 'Tokens' },
];

/** The inventory's state filter: the states a record shows. */
export const stateFilters = ['pending', 'approved', 'active', 'expired', 'rejected', 'withdrawn', 'removed'];

/** States in which the exception has ended: its expiry is history, not a countdown. */
export const endedStates: readonly string[] = ['rejected', 'withdrawn', 'removed'];
