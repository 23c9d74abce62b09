import { loadConfig, type Config, type ConfigFlags } from '../config/load.js';
import type { Clock } from '../service/ports.js';
import type { Waiver } from '../service/waiver.js';
import { openLocalWaiver, systemClock } from '../wire.js';

/** What every command gets: its streams, the configuration and the service, opened on first use. */
export interface CliContext {
  out(text: string): void;
  err(text: string): void;
  config(): Config;
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
  let config: Config | undefined;
  let opened: Promise<Waiver> | undefined;
  const getConfig = (): Config => (config ??= loadConfig(flags, env));
  return {
    ...streams,
    clock: systemClock,
    config: getConfig,
    waiver: () => (opened ??= openLocalWaiver(getConfig(), (line) => streams.err(`${line}\n`))),
    close: async () => {
      if (opened) await (await opened.catch(() => undefined))?.close();
    },
  };
}
