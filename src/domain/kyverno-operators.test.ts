import { describe, expect, it } from 'vitest';
import { applyOperator } from './kyverno-operators.js';

describe("Kyverno's condition operators, typed as Kyverno types them", () => {
  it('Equals: a boolean equals only a boolean', () => {
    expect(applyOperator('Equals', true, true)).toBe(true);
    expect(applyOperator('Equals', true, 'true')).toBe(false);
    expect(applyOperator('NotEquals', true, 'true')).toBe(true);
  });

  it('Equals: numbers against numbers and numeric strings', () => {
    expect(applyOperator('Equals', 3, 3)).toBe(true);
    expect(applyOperator('Equals', 3, '3')).toBe(true);
    expect(applyOperator('Equals', 3, 'three')).toBe(false);
  });

  it('Equals: a string against the value as a wildcard pattern, quantities and durations by value', () => {
    expect(applyOperator('Equals', 'blue', 'blue')).toBe(true);
    expect(applyOperator('Equals', 'light-blue', '*blue')).toBe(true);
    expect(applyOperator('Equals', '*blue', 'light-blue')).toBe(false);
    expect(applyOperator('Equals', '1Gi', '1024Mi')).toBe(true);
    expect(applyOperator('Equals', '1h', '60m')).toBe(true);
    expect(applyOperator('Equals', 'blue', 1)).toBe(false);
  });

  it('Equals: maps and lists compare deeply', () => {
    expect(applyOperator('Equals', { a: 1 }, { a: 1 })).toBe(true);
    expect(applyOperator('Equals', ['a'], ['b'])).toBe(false);
  });

  it('AnyIn, AllIn, AnyNotIn, AllNotIn: wildcards both ways, a JSON list in a string, a scalar key', () => {
    expect(applyOperator('AnyIn', ['a', 'x'], ['a', 'b'])).toBe(true);
    expect(applyOperator('AllIn', ['a', 'x'], ['a', 'b'])).toBe(false);
    expect(applyOperator('AllIn', ['app-1', 'app-2'], ['app-*'])).toBe(true);
    expect(applyOperator('AnyNotIn', ['a', 'x'], ['a', 'b'])).toBe(true);
    expect(applyOperator('AllNotIn', ['x', 'y'], ['a', 'b'])).toBe(true);
    expect(applyOperator('AllNotIn', ['a', 'y'], ['a', 'b'])).toBe(false);
    expect(applyOperator('AnyIn', 'b', '["a","b"]')).toBe(true);
    expect(applyOperator('AnyIn', 3, [1, 2, 3])).toBe(true);
    expect(applyOperator('AnyIn', 'a', { a: 1 })).toBe(false);
    expect(applyOperator('AnyIn', '5', '1-10')).toBe('unknown');
  });

  it('GreaterThan and friends: numbers, durations, quantities; anything else is false', () => {
    expect(applyOperator('GreaterThan', 3, 2)).toBe(true);
    expect(applyOperator('GreaterThan', '3', '2')).toBe(true);
    expect(applyOperator('LessThan', '30m', '1h')).toBe(true);
    expect(applyOperator('GreaterThanOrEquals', '2Gi', '2048Mi')).toBe(true);
    expect(applyOperator('LessThanOrEquals', 3600, '1h')).toBe(true);
    expect(applyOperator('GreaterThan', 'not-a-number', 5)).toBe(false);
    // The process document's timestamp comparison compares nothing in Kyverno.
    expect(applyOperator('LessThan', '2026-11-30T00:00:00Z', '2026-12-31T00:00:00Z')).toBe(false);
    expect(applyOperator('GreaterThan', '1.2.3', '1.2.0')).toBe('unknown');
  });

  it('answers unknown for what it does not model, never a guess', () => {
    expect(applyOperator('In', 'a', ['a'])).toBe('unknown');
    expect(applyOperator('DurationGreaterThan', '1h', '30m')).toBe('unknown');
  });
});
