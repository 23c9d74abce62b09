/** The reason the shared test request gives: long enough, and a valid one (a legacy migration). */
export const LEGACY_REASON = 'Legacy payments images move to the signed pipeline this month';

/** A legacy-migration request for payments-api-* in payments, for 20 days, as the service and the API take it. */
export const legacyRequest = (ticket = 'MIG-7') => ({
  namespaces: ['payments'],
  names: ['payments-api-*'],
  category: 'legacy-migration' as const,
  ticket,
  reason: LEGACY_REASON,
  expires: '20d',
});
