import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import type { WaiverError } from './errors.js';
import { check, closest, issueText } from './issue-wording.js';
import { parseInput } from './parse-input.js';

const Settings = z.strictObject({
  maxDays: z.number().int().min(1).max(3650).optional(),
  reminderDays: z.number().int().min(1).optional(),
  roles: z
    .array(z.enum(['requester', 'approver', 'applier', 'auditor', 'admin']))
    .min(1)
    .optional(),
  reason: z.string().min(30).max(300).optional(),
  owner: z.string().min(1).optional(),
  publicUrl: z.url().optional(),
  label: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'must be a DNS-1123 label')
    .optional(),
  channel: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('log') }),
      z.strictObject({ type: z.literal('slack'), url: z.string() }),
    ])
    .optional(),
  server: z.strictObject({ port: z.number().int().optional(), host: z.string().optional() }).optional(),
  ticket: z.string(),
  pageSize: z.coerce.number().optional(),
});

/** Each problem as the reader sees it: field, then the rule. */
const lines = (value: unknown, source?: string): string[] => {
  const result = check(Settings, { ticket: 'T-1', ...(value as object) }, source);
  return result.ok ? [] : result.issues.map((i) => issueText(i));
};

describe('validation in words', () => {
  it('names an unknown field by itself, with the one meant when it is close', () => {
    expect(lines({ maxDay: 3 })).toEqual(['maxDay: unknown field (did you mean maxDays?)']);
    expect(lines({ maxDay: 3, remindrDays: 2 }, 'waiver.yaml')).toEqual([
      'maxDay: unknown field in waiver.yaml (did you mean maxDays?)',
      'remindrDays: unknown field in waiver.yaml (did you mean reminderDays?)',
    ]);
    expect(lines({ server: { prot: 8080 } })).toEqual(['server.prot: unknown field (did you mean port?)']);
    // Nothing close: the few fields there are.
    expect(lines({ server: { tls: true } })).toEqual(['server.tls: unknown field (known: port, host)']);
    expect(lines({ banana: 1 })).toEqual(['banana: unknown field']);
  });

  it('says which values a field takes, and what it got', () => {
    expect(lines({ roles: ['auditor', 'foo'] })).toEqual([
      // The list is named, not the index: the message shows the value.
      "roles: 'foo' is not one of requester, approver, applier, auditor, admin",
    ]);
    // Text that a query's number could not be read from: never "NaN", which nobody typed.
    expect(lines({ pageSize: 'abc' })).toEqual(['pageSize: must be a number']);
    expect(lines({ channel: { type: 'teams' } })).toEqual(["channel.type: 'teams' is not one of log, slack"]);
    expect(lines({ maxDays: 'ten' })).toEqual(["maxDays: must be a number, not text 'ten'"]);
    expect(lines({ roles: 'auditor' })).toEqual(["roles: must be a list, not text 'auditor'"]);
    expect(lines({ server: 8080 })).toEqual(['server: must be a mapping (field: value), not 8080']);
    expect(lines({ maxDays: 1.5 })).toEqual(['maxDays: must be a whole number, not 1.5']);
  });

  it('says limits as rules', () => {
    expect(lines({ maxDays: 0 })).toEqual(['maxDays: must be at least 1']);
    expect(lines({ maxDays: 4000 })).toEqual(['maxDays: must be at most 3650']);
    expect(lines({ reason: 'short' })).toEqual(['reason: must be at least 30 characters']);
    expect(lines({ owner: '' })).toEqual(['owner: must not be empty']);
    expect(lines({ roles: [] })).toEqual(['roles: must not be empty: give at least one']);
    expect(lines({ publicUrl: 'example' })).toEqual(['publicUrl: must be a URL (https://…)']);
  });

  it("keeps a schema's own words, and says a missing field is required", () => {
    expect(lines({ label: 'Not_A_Label' })).toEqual(['label: must be a DNS-1123 label']);
    expect(check(Settings, {}).ok).toBe(false);
    expect((check(Settings, {}) as { issues: unknown[] }).issues).toEqual([
      { code: 'invalid_type', field: 'ticket', message: 'is required' },
    ]);
    expect(lines({ channel: {} })).toEqual(['channel.type is required']);
  });

  it('never lets zod speak', () => {
    const hostile = {
      maxDay: 1,
      maxDays: 'x',
      roles: ['nobody'],
      reason: 1,
      publicUrl: 3,
      channel: { type: 1 },
      server: { port: 'x', extra: 1 },
      ticket: null,
    };
    for (const line of lines(hostile))
      expect(line).not.toMatch(
        /Invalid (input|option|key)|Unrecognized|Too (small|big)|expected .* received/,
      );
  });

  it("puts rule names of the process after the message, never zod's codes", () => {
    expect(issueText({ code: 'expiry-max', field: 'expires', message: 'lasts at most 7 days' })).toBe(
      'expires: lasts at most 7 days [expiry-max]',
    );
    expect(issueText({ code: 'invalid_value', field: 'roles', message: "'x' is not one of a, b" })).toBe(
      "roles: 'x' is not one of a, b",
    );
    const error = (() => {
      try {
        parseInput(Settings, { ticket: 'T', maxDay: 1 });
      } catch (e) {
        return e as WaiverError;
      }
    })();
    expect(error).toMatchObject({
      code: 'usage',
      field: 'maxDay',
      message: 'maxDay: unknown field (did you mean maxDays?)',
    });
  });

  it('suggests only a field close enough to be the one meant', () => {
    expect(closest('maxDay', ['maxDays', 'reminderDays'])).toBe('maxDays');
    expect(closest('rolse', ['roles', 'owner'])).toBe('roles');
    expect(closest('xyz', ['roles', 'owner'])).toBeUndefined();
  });
});
