import { loadConfig, type Config, type ConfigFlags } from '../config/load.js';
import type { Clock } from '../service/ports/runtime.js';
import type { Waiver } from '../service/waiver.js';
import { systemClock } from '../system/system-clock.js';

/** What every command gets: its streams, the configuration and the service, opened on first use. */
export interface CliContext extends Streams {
  config(): Promise<Config>;
  waiver(): Promise<Waiver>;
  clock: Clock;
}

export interface Streams {
  out(text: string): void;
  err(text: string): void;
  /** All of standard input, for `-` as a file (`request -f -`, `lint -`). */
  readStdin(): string;
  /** Standard input is a terminal: nobody is piping anything in. */
  stdinIsTerminal: boolean;
  /** Standard output is a terminal: a person reads it, not a log collector. */
  stdoutIsTerminal: boolean;
}

export function createContext(
  flags: ConfigFlags,
  streams: Streams,
  env?: NodeJS.ProcessEnv,
): CliContext & { close(): Promise<void> } {
  let config: Promise<Config> | undefined;
  let opened: Promise<Waiver> | undefined;
  const getConfig = (): Promise<Config> =>
    (config ??= loadConfig(flags, env, async (c) => (await import('../wire/deps.js')).currentContext(c)));
  return {
    ...streams,
    clock: systemClock,
    config: getConfig,
    // The store and its driver (or the HTTP client) load only for commands that use them.
    waiver: () => (opened ??= getConfig().then((config) => openWaiver(config, streams))),
    close: async () => {
      if (opened) await (await opened.catch(() => undefined))?.close();
    },
  };
}

async function openWaiver(config: Config, streams: Streams): Promise<Waiver> {
  if (config.remote)
    return (await import('./remote-waiver.js')).remoteWaiver(config.remote.url, config.remote.token);
  const { openLocalWaiver } = await import('../wire/local.js');
  return openLocalWaiver(config, (line) => streams.err(`${line}\n`));
}
