import type { ProcessSettings } from './settings.js';

/** The ValidatingAdmissionPolicy and its binding share this name; doctor looks for it. */
export const GUARD_NAME = 'waiver-guard-policy-exceptions';

export interface GuardOptions {
  /** Waiver's ServiceAccount as `namespace:name` (the chart's, by default `waiver:waiver`). */
  waiverServiceAccount: string;
  /** Kyverno's cleanup controller, which deletes exceptions at their TTL label. */
  cleanupServiceAccount: string;
}

export const defaultGuardOptions = (settings: ProcessSettings): GuardOptions => ({
  waiverServiceAccount: 'waiver:waiver',
  cleanupServiceAccount: `${settings.kyvernoNamespace}:kyverno-cleanup-controller`,
});

const serviceAccount = (ref: string) => `system:serviceaccount:${ref}`;
const celString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The CEL the guard decides with: Waiver may do anything to an exception, the cleanup controller delete. */
export function guardExpression(options: GuardOptions): string {
  const waiver = celString(serviceAccount(options.waiverServiceAccount));
  const cleanup = celString(serviceAccount(options.cleanupServiceAccount));
  return `request.userInfo.username == ${waiver} || (request.userInfo.username == ${cleanup} && request.operation == 'DELETE')`;
}

/** The refusal a person reads from kubectl: who they are, what they tried, and how to do it instead. */
export function guardMessageExpression(): string {
  return `'PolicyExceptions go through review: ' + request.userInfo.username + ' may not ' + request.operation + ' one directly. Request it with waiver request (or kubectl waiver request), and it is applied once approved.'`;
}

/**
 * A Kubernetes ValidatingAdmissionPolicy and its binding that refuse creating, changing or deleting
 * PolicyExceptions of both kinds, in every namespace, by anyone but Waiver and Kyverno's cleanup controller:
 * an exception that never went through review cannot be written, even by someone who may write the
 * exception namespace.
 */
export function renderGuard(options: GuardOptions): Record<string, unknown>[] {
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: GUARD_NAME, labels: { 'app.kubernetes.io/managed-by': 'waiver' } },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: ['kyverno.io', 'policies.kyverno.io'],
              apiVersions: ['*'],
              operations: ['CREATE', 'UPDATE', 'DELETE'],
              resources: ['policyexceptions'],
            },
          ],
        },
        validations: [
          {
            expression: guardExpression(options),
            messageExpression: guardMessageExpression(),
            reason: 'Forbidden',
          },
        ],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: GUARD_NAME, labels: { 'app.kubernetes.io/managed-by': 'waiver' } },
      spec: { policyName: GUARD_NAME, validationActions: ['Deny'] },
    },
  ];
}
