import { userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import { WaiverError } from '../domain/errors.js';
import { defaultSettings, type ProcessSettings } from '../domain/settings.js';
import type { ConfigFile } from './schema.js';

/** What the command line says; it overrides the environment, which overrides the file. */
export interface ConfigFlags {
  config?: string | undefined;
  db?: string | undefined;
  targetDir?: string | undefined;
  as?: string | undefined;
}

export interface Config {
  settings: ProcessSettings;
  databasePath: string;
  target: { dir: string; createRoot: boolean };
  user: string;
}

export const DEFAULT_DATABASE = './.waiver/waiver.db';
export const DEFAULT_TARGET_DIR = './policy-exceptions';

/**
 * Reads configuration once: file, then environment, then flags. The result is frozen. The file's parser
 * and schema load only when there is a file.
 */
export async function loadConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const configPath = flags.config ?? env['WAIVER_CONFIG'];
  const file = configPath ? (await import('./read-file.js')).readConfigFile(configPath) : {};
  // Paths in the file are relative to the file, as in a kubeconfig; flags and env to the working folder.
  const fromFile = (path: string | undefined): string | undefined =>
    path === undefined || configPath === undefined ? undefined : resolve(dirname(configPath), path);
  const targetDir = flags.targetDir ?? env['WAIVER_TARGET_DIR'] ?? fromFile(file.targetDir);
  return Object.freeze({
    settings: Object.freeze(mergeSettings(file)),
    databasePath: resolve(flags.db ?? env['WAIVER_DB'] ?? fromFile(file.database) ?? DEFAULT_DATABASE),
    // Only the embedded default folder is created on demand; a configured folder must exist.
    target: { dir: resolve(targetDir ?? DEFAULT_TARGET_DIR), createRoot: targetDir === undefined },
    user: identity(flags.as ?? env['WAIVER_USER']),
  });
}

function mergeSettings(file: ConfigFile): ProcessSettings {
  const { database: _db, targetDir: _dir, metrics, maxDaysByCategory, invalidReasons, ...rest } = file;
  const settings: ProcessSettings = { ...defaultSettings, metrics: { ...defaultSettings.metrics } };
  Object.assign(settings, dropUndefined(rest));
  if (metrics) Object.assign(settings.metrics, dropUndefined(metrics));
  if (maxDaysByCategory)
    settings.maxDaysByCategory = { ...defaultSettings.maxDaysByCategory, ...maxDaysByCategory };
  if (invalidReasons)
    settings.invalidReasons = invalidReasons.map((r) => ({
      phrase: r.phrase,
      rule: r.rule,
      ...(r.allowedFor ? { allowedFor: r.allowedFor } : {}),
    }));
  return settings;
}

const dropUndefined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

function identity(given: string | undefined): string {
  const name = given?.trim() || userInfo().username;
  if (!/^[\w.@+-]{1,254}$/.test(name))
    throw new WaiverError('usage', `"${name}" is not a valid identity (letters, digits, . @ + - _)`, 'as');
  return name;
}
