import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../src/domain/redact.js';
import { SharedViews, viewJson } from '../src/service/shared-views.js';
import { activeRecord } from './support/records.js';

const before = Date.parse('2026-12-01T00:00:00Z');
const after = Date.parse('2026-12-21T00:00:00Z');
const mask = (text: string) => text.replaceAll('hunter2', '***');

describe('shared views', () => {
  it('keeps one view per frozen record until its shown state changes', () => {
    const views = new SharedViews();
    const record = Object.freeze(activeRecord());
    const first = views.view(record, before, redactCredentials);
    expect(views.view(record, before, redactCredentials)).toBe(first);
    const expired = views.view(record, after, redactCredentials);
    expect(expired.state).toBe('expired');
    expect(expired).not.toBe(first);
    expect(viewJson(expired)).toBe(JSON.stringify(expired));
  });

  it('makes a record that is not frozen a view each time', () => {
    const views = new SharedViews();
    const record = activeRecord();
    expect(views.view(record, before, redactCredentials)).not.toBe(
      views.view(record, before, redactCredentials),
    );
  });

  it('shares nothing between instances: each process masks with its own redactor', () => {
    const record = Object.freeze(activeRecord({ syncError: 'token hunter2 refused' }));
    expect(new SharedViews().view(record, before, (t) => t).syncError).toContain('hunter2');
    expect(new SharedViews().view(record, before, mask).syncError).toBe('token *** refused');
  });
});
