import { describe, expect, it } from 'vitest';
import {
  compareQuantities,
  operatorOf,
  parseGoDuration,
  parseQuantity,
  stringPattern,
  validateString,
  validateValue,
  type Operator,
} from './pattern-value.js';

/** Replayed from kyverno/kyverno pkg/engine/pattern/pattern_test.go (main, 2026-08-21); last: its line. */
const STRING_PATTERN: [unknown, string, boolean, number][] = [
  [4, '>= 3', true, 43],
  [0, '0-2', true, 47],
  [1, '0-2', true, 48],
  [2, '0-2', true, 49],
  [3, '0-2', false, 50],
  [0, '10!-20', true, 52],
  [15, '10!-20', false, 53],
  [25, '10!-20', true, 54],
  [0, '0.00001-2.00001', false, 56],
  [1, '0.00001-2.00001', true, 57],
  [2, '0.00001-2.00001', true, 58],
  [2.0001, '0.00001-2.00001', false, 59],
  [0, '0.00001!-2.00001', true, 61],
  [1, '0.00001!-2.00001', false, 62],
  [2, '0.00001!-2.00001', false, 63],
  [2.0001, '0.00001!-2.00001', true, 64],
  [2, '2-2', true, 66],
  [2, '2!-2', false, 67],
  [2.99999, '2.99998-3', true, 69],
  [2.99997, '2.99998!-3', true, 70],
  [3.00001, '2.99998!-3', true, 71],
  ['256Mi', '128Mi-512Mi', true, 73],
  ['1024Mi', '128Mi-512Mi', false, 74],
  ['64Mi', '128Mi-512Mi', false, 75],
  ['256Mi', '128Mi!-512Mi', false, 77],
  ['1024Mi', '128Mi!-512Mi', true, 78],
  ['64Mi', '128Mi!-512Mi', true, 79],
  [-9, '-10-8', true, 81],
  [9, '-10--8', false, 82],
  [9, '-10!--8', true, 84],
  ['9Mi', '-10Mi!--8Mi', true, 85],
  [-9, '-10!--8', false, 87],
  ['-9Mi', '-10Mi-8Mi', true, 89],
  ['9Mi', '-10Mi!-8Mi', true, 90],
  [0, '-10-+8', true, 92],
  ['7Mi', '-10Mi-+8Mi', true, 93],
  [10, '-10!-+8', true, 95],
  ['10Mi', '-10Mi!-+8Mi', true, 96],
  [0, '+0-+1', true, 98],
  ['10Mi', '+0Mi-+1024Mi', true, 99],
  [10, '+0!-+1', true, 101],
  ['1025Mi', '+0Mi!-+1024Mi', true, 102],
];

const VALIDATE_STRING: [unknown, string, Operator, boolean, number][] = [
  [7.00001, '7.000001', '>', true, 107],
  [7.00001, '7', '!', true, 108],
  [7.0, '7', '', true, 110],
  [6.000000001, '6', '<', false, 111],
  ['1024Gi', '', '', false, 115],
  ['gii', '1024Gi', '', false, 116],
  ['12s', '12s', '', true, 120],
  ['12s', '15s', '!', true, 121],
  ['12s', '15s', '<', true, 122],
  ['12s', '15s', '<=', true, 123],
  ['12s', '12s', '<=', true, 124],
  ['15s', '12s', '<', false, 125],
  ['15s', '12s', '<=', false, 126],
  ['15s', '12s', '>', true, 127],
  ['15s', '12s', '>=', true, 128],
  ['12s', '12s', '>=', true, 129],
  ['12s', '15s', '>', false, 130],
  ['12s', '15s', '>=', false, 131],
  ['1024Gi', '1024Gi', '', true, 135],
  ['1024Mi', '1Gi', '', true, 136],
  ['0.2', '200m', '', true, 137],
  ['500', '500', '', true, 138],
  ['2048', '1024', '', false, 139],
  [1024, '1024', '', true, 140],
  ['1Gi', '1000Mi', '>', true, 144],
  ['1G', '1Gi', '<', true, 145],
  ['500m', '0.5', '>=', true, 146],
  ['1', '500m', '>=', true, 147],
  ['0.5', '.5', '<=', true, 148],
  ['0.2', '.5', '<=', true, 149],
  ['0.2', '.5', '!', true, 150],
  ['500m', '0.6', '>=', false, 161],
];

/** TestValidate: Validate(value, pattern). Go's int64(x) and float x are both numbers here. */
const VALIDATE: [unknown, unknown, boolean][] = [
  [true, true, true],
  [true, false, false],
  [false, true, false],
  [false, false, true],
  ['value', null, false],
  ['', null, true],
  [0.0, null, true],
  [0, null, true],
  [false, null, true],
  ['10.100.11.54', '192.168.88.1 | 10.100.11.*', true],
  ['10', '>1 & <20', true],
  ['10', '>1 & <20 | >31 & <33', true],
  ['32', '>1 & <20 | >31 & <33', true],
  ['21', '>1 & <20 | >31 & <33', false],
  [7.0, 7.0, true],
  [10, 10, true],
  [8, 10, false],
  [null, [], false],
  [{ a: true }, { a: true }, true],
  [{ a: true }, { b: false }, true],
  [null, false, false],
  [8.0, 8, true],
  [8.1, 8, false],
  ['8', 8, true],
  ['8.1', 8, false],
  [false, 8, false],
  [8, 8.1, false],
  ['8.1', 8.1, true],
  ['abc', 8.1, false],
  [false, 8.0, false],
];

/** Test_validateStringPatterns and Test_compareString (through the Equal operator). */
const STRING_PATTERNS: [unknown, string, boolean][] = [
  ['5.16.5-arch1-1', '!5.10.84-1', true],
  ['5.10.84-1', '5.10.84-1', true],
  ['!5.10.84-1', '!5.10.84-1', true],
  ['5.10.84-1', '!5.10.84-1', false],
  ['5.16.5-arch1-1', '!5.10.84-1 & !5.15.2-1', true],
  ['5.10.84-1', '!5.10.84-1 & !5.15.2-1', false],
  ['5.15.2-1', '!5.10.84-1 & !5.15.2-1', false],
];
const COMPARE_STRING: [unknown, string, boolean][] = [
  ['anything', '*', true],
  ['', '*', true],
  ['leftright', '*right', true],
  ['right', '*right', true],
  ['leftmiddle', '*right', false],
  ['middle', '*right', false],
  ['abbeba', 'ab*ba', true],
  ['abbca', 'ab*ba', false],
  ['abbba', 'ab?ba', true],
  ['abbbba', 'ab?ba', false],
  [null, 'ab?ba', false],
  ['', 'ab?ba', false],
  ['', '', true],
  [1, '1', true],
  [1.5, '1.5E+*', true],
  [true, 'true', true],
];

describe('pattern values replayed from pkg/engine/pattern/pattern_test.go', () => {
  it.each(STRING_PATTERN)('validateStringPattern(%s, %j) is %s (line %i)', (value, pattern, want) => {
    expect(stringPattern(value, pattern)).toBe(want);
  });
  it.each(VALIDATE_STRING)('validateString(%s, %j, %j) is %s (line %i)', (value, operand, op, want) => {
    expect(validateString(value, operand, op)).toBe(want);
  });
  it.each(VALIDATE)('Validate(%j, %j) is %s', (value, pattern, want) => {
    expect(validateValue(value, pattern)).toBe(want);
  });
  it.each(STRING_PATTERNS)('validateStringPatterns(%j, %j) is %s', (value, pattern, want) => {
    expect(validateValue(value, pattern)).toBe(want);
  });
  it.each(COMPARE_STRING)('compareString(%j, %j) is %s', (value, pattern, want) => {
    expect(validateString(value, pattern, '')).toBe(want);
  });
  it('reads the operator the way GetOperatorFromStringPattern does', () => {
    expect(operatorOf('f')).toBe('');
    expect(operatorOf('')).toBe('');
    expect(operatorOf('>=1')).toBe('>=');
    expect(operatorOf('!-1')).toBe('!');
    expect(operatorOf('1!-5')).toBe('!-');
    expect(operatorOf('1-5')).toBe('-');
  });
});

describe('durations and quantities', () => {
  it('parses Go durations, "0" the only unitless one', () => {
    expect(parseGoDuration('1h30m')).toBe(5400e9);
    expect(parseGoDuration('1.5s')).toBe(1.5e9);
    expect(parseGoDuration('0')).toBe(0);
    expect(parseGoDuration('5')).toBeUndefined();
    expect(parseGoDuration('')).toBeUndefined();
  });
  it('compares quantities exactly', () => {
    const q = (s: string) => {
      const parsed = parseQuantity(s);
      if (!parsed) throw new Error(s);
      return parsed;
    };
    expect(compareQuantities(q('1Gi'), q('1024Mi'))).toBe(0);
    expect(compareQuantities(q('0.1'), q('100m'))).toBe(0);
    expect(compareQuantities(q('1e3'), q('1k'))).toBe(0);
    expect(compareQuantities(q('1G'), q('1Gi'))).toBe(-1);
    expect(compareQuantities(q('-1'), q('0'))).toBe(-1);
    expect(parseQuantity('1.2.3')).toBeUndefined();
    expect(parseQuantity('Gi')).toBeUndefined();
  });
  it('takes a missing value as zero for durations and quantities, as convertNumberToString does', () => {
    expect(validateValue(undefined, '<1h')).toBe(true);
    expect(validateValue(null, '<1Gi')).toBe(true);
    expect(validateValue(null, '>0')).toBe(false);
  });
});
