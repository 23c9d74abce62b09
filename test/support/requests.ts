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

/**
 * The process template filled in for a legacy migration of `app-*` in namespace `ns` (`request -f` adds
 * `--category`): several joined by `---` are one request file.
 */
export const requestTemplate = (ns: string, ticket: string, reason = LEGACY_REASON): string =>
  `apiVersion: kyverno.io/v2
kind: PolicyException
metadata:
  name: app-${ns}
  annotations:
    jira-ticket: ${ticket}
    reason: ${JSON.stringify(reason)}
spec:
  exceptions:
  - policyName: require-image-signature
    ruleNames: [check-image-signature]
  match:
    any:
    - resources:
        kinds: [Pod]
        namespaces: [${ns}]
        names: [app-*]
`;
