import { loadConfig, type Config, type ConfigFlags } from '../config/load.js';
import type { Clock } from '../service/ports.js';
import type { Waiver } from '../service/waiver.js';
import { systemClock } from '../service/system-clock.js';

/** What every command gets: its streams, the configuration and the service, opened on first use. */
export interface CliContext {
  out(text: string): void;
  err(text: string): void;
  config(): Promise<Config>;
  waiver(): Promise<Waiver>;
  clock: Clock;
}

export interface Streams {
  out(text: string): void;
  err(text: string): void;
}

export function createContext(
  flags: ConfigFlags,
  streams: Streams,
  env?: NodeJS.ProcessEnv,
): CliContext & { close(): Promise<void> } {
  let config: Promise<Config> | undefined;
  let opened: Promise<Waiver> | undefined;
  const getConfig = (): Promise<Config> => (config ??= loadConfig(flags, env));
  return {
    ...streams,
    clock: systemClock,
    config: getConfig,
    // The store and its driver load only for commands that use them.
    waiver: () =>
      (opened ??= Promise.all([import('../wire.js'), getConfig()]).then(([{ openLocalWaiver }, config]) =>
        openLocalWaiver(config, (line) => streams.err(`${line}\n`)),
      )),
    close: async () => {
      if (opened) await (await opened.catch(() => undefined))?.close();
    },
  };
}
