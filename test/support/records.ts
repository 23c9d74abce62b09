import type { ExceptionRecord } from '../../src/domain/exception.js';
import { newRequest } from '../../src/domain/new-request.js';

/** An active exception as the store would hold it: requested, approved, applied; override what a test is about. */
export function activeRecord(overrides: Partial<ExceptionRecord> = {}): ExceptionRecord {
  const { record } = newRequest({
    scope: {
      name: 'payments-api-inc-1',
      policy: 'require-image-signature',
      rules: ['check-image-signature'],
      kinds: ['Pod'],
      namespaces: ['payments'],
      names: ['payments-api-*'],
    },
    justification: {
      category: 'vendor-image',
      ticket: 'SEC-42',
      reason: 'Vendor image is unsigned; the vendor ships signatures next quarter',
      riskAssessment: 'https://wiki.example.com/risk/42',
      expiresAt: '2026-12-20T00:00:00Z',
      riskRating: null,
      compensatingControls: null,
      validations: [],
      falsePositive: null,
    },
    requestor: 'alice',
    now: '2026-11-20T00:00:00Z',
    apiVersion: 'kyverno.io/v2',
    target: 'folder',
  });
  return {
    ...record,
    id: 1,
    version: 1,
    state: 'active',
    syncStatus: 'synced',
    approver: 'bob',
    applier: 'carol',
    approvedAt: '2026-11-20T01:00:00Z',
    appliedAt: '2026-11-20T02:00:00Z',
    ...overrides,
  };
}
