import { describe, expect, it } from 'vitest';
import { pickCoding } from './compression.js';

describe('pickCoding', () => {
  it('prefers brotli, then gzip, else the bytes as they are', () => {
    expect(pickCoding('gzip, deflate, br')).toBe('br');
    expect(pickCoding('gzip, deflate')).toBe('gzip');
    expect(pickCoding('deflate')).toBeUndefined();
    expect(pickCoding('identity')).toBeUndefined();
    expect(pickCoding('')).toBeUndefined();
    expect(pickCoding(undefined)).toBeUndefined();
  });

  it('follows the weights the client gives, q=0 refusing a coding', () => {
    expect(pickCoding('br;q=0, gzip')).toBe('gzip');
    expect(pickCoding('br;q=0.5, gzip;q=0.8')).toBe('gzip');
    expect(pickCoding('br;q=0.8, gzip;q=0.8')).toBe('br');
    expect(pickCoding('gzip;q=0, br;q=0')).toBeUndefined();
    expect(pickCoding('GZIP ; Q=1')).toBe('gzip');
    expect(pickCoding('x-gzip')).toBe('gzip');
  });

  it('reads * as every coding the header does not name', () => {
    expect(pickCoding('*')).toBe('br');
    expect(pickCoding('br;q=0, *')).toBe('gzip');
    expect(pickCoding('*;q=0')).toBeUndefined();
    expect(pickCoding('gzip, *;q=0')).toBe('gzip');
  });

  it('reads a header sent on several lines as one list', () => {
    expect(pickCoding(['gzip', 'br;q=0'])).toBe('gzip');
  });

  it('chooses only among the codings available', () => {
    expect(pickCoding('gzip, br', ['gzip'])).toBe('gzip');
    expect(pickCoding('br', ['gzip'])).toBeUndefined();
    expect(pickCoding('gzip, br', [])).toBeUndefined();
  });

  it('refuses a weight that is not a number', () => {
    expect(pickCoding('br;q=abc, gzip')).toBe('gzip');
  });
});
