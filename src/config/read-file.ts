import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { messageOf, WaiverError } from '../domain/errors.js';
import { parseInput } from '../domain/parse-input.js';
import { ConfigFileSchema, type ConfigFile } from './schema.js';

/** Reads and validates `waiver.yaml`; every invalid key is reported together. */
export function readConfigFile(path: string): ConfigFile {
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8')) ?? {};
  } catch (e) {
    throw new WaiverError('usage', `cannot read config ${path}: ${messageOf(e)}`, 'config');
  }
  return parseInput(ConfigFileSchema, raw, path, true);
}
