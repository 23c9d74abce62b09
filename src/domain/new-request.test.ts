import { describe, expect, it } from 'vitest';
import { activeRecord } from '../../test/support/records.js';
import { newRequest } from './new-request.js';

const scope = {
  name: 'payments-api-mig-7',
  policy: 'require-image-signature',
  rules: ['check-image-signature'],
  kinds: ['Pod'],
  namespaces: ['payments'],
  names: ['payments-api-*'],
};
const justification = {
  category: 'legacy-migration' as const,
  ticket: 'MIG-7',
  reason: 'Legacy payments images move to the signed pipeline this month',
  riskAssessment: null,
  expiresAt: '2026-12-21T09:00:00Z',
  riskRating: null,
  compensatingControls: null,
  validations: [],
  falsePositive: null,
};
const now = '2026-12-01T09:00:00Z';

describe('a new request', () => {
  it('is pending with nothing decided, and its event records the whole justification', () => {
    const { record, event } = newRequest({
      scope,
      justification,
      requestor: 'alice',
      now,
      apiVersion: 'kyverno.io/v2',
      target: 'folder',
    });
    expect(record).toMatchObject({
      ...scope,
      ...justification,
      state: 'pending',
      requestor: 'alice',
      requestedAt: now,
    });
    for (const undecided of [
      'approver',
      'applier',
      'approvedAt',
      'appliedAt',
      'removedAt',
      'remindedAt',
      'escalatedAt',
      'endReason',
    ] as const)
      expect(record[undecided], undecided).toBeNull();
    expect(record).toMatchObject({ syncStatus: 'none', renewalOf: null, renewalCount: 0 });
    expect(event).toEqual({
      action: 'requested',
      data: { ...scope, ...justification, controls: [], renewalOf: null, target: 'folder' },
    });
  });

  it('as a renewal, points at what it renews and counts the chain', () => {
    const previous = activeRecord({ id: 4, renewalCount: 1 });
    const { record, event } = newRequest({
      scope,
      justification,
      requestor: 'alice',
      now,
      apiVersion: 'kyverno.io/v2beta1',
      target: 'folder',
      renewing: previous,
    });
    expect(record).toMatchObject({
      renewalOf: 4,
      renewalCount: 2,
      apiVersion: 'kyverno.io/v2beta1',
      target: 'folder',
      state: 'pending',
    });
    expect(event.action).toBe('renewal_requested');
    expect(event.data['renewalOf']).toBe(4);
  });
});
