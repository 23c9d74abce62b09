import type { ExceptionRecord } from '../../src/domain/exception.js';

/** An active exception as the store would hold it; override what a test is about. */
export function activeRecord(overrides: Partial<ExceptionRecord> = {}): ExceptionRecord {
  return {
    id: 1,
    name: 'payments-api-inc-1',
    policy: 'require-image-signature',
    rules: ['check-image-signature'],
    kinds: ['Pod'],
    namespaces: ['payments'],
    names: ['payments-api-*'],
    category: 'vendor-image',
    ticket: 'SEC-42',
    reason: 'Vendor image is unsigned; the vendor ships signatures next quarter',
    riskAssessment: 'https://wiki.example.com/risk/42',
    expiresAt: '2026-12-20T00:00:00Z',
    state: 'active',
    endReason: null,
    syncStatus: 'synced',
    syncError: null,
    requestor: 'alice',
    approver: 'bob',
    applier: 'carol',
    requestedAt: '2026-11-20T00:00:00Z',
    approvedAt: '2026-11-20T01:00:00Z',
    appliedAt: '2026-11-20T02:00:00Z',
    removedAt: null,
    remindedAt: null,
    escalatedAt: null,
    renewalOf: null,
    renewalCount: 0,
    apiVersion: 'kyverno.io/v2',
    version: 1,
    ...overrides,
  };
}
