/** Where a PolicyException lives in the Kubernetes API, and who Waiver says it is when it writes one. */
export const FIELD_MANAGER = 'waiver';
export const GROUP = 'kyverno.io';
export const PLURAL = 'policyexceptions';

/** The API group and version a PolicyException is written to and read from. */
export interface ExceptionResource {
  group: string;
  version: string;
}

/** The CEL PolicyException's API (Kyverno 1.15+), for ValidatingPolicy and the other CEL kinds. */
export const CEL_RESOURCE: ExceptionResource = { group: 'policies.kyverno.io', version: 'v1' };
