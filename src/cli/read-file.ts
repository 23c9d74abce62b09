import { readFileSync } from 'node:fs';
import { fileProblemOf, WaiverError } from '../domain/errors.js';

/** A file a flag names, or a usage error naming the flag and the trouble in words (`no such file`). */
export function readFileFor(path: string, field: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new WaiverError('usage', `cannot read ${path}: ${fileProblemOf(e)}`, field);
  }
}

export const readTextFor = (path: string, field: string): string => readFileFor(path, field).toString('utf8');
