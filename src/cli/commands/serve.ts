import { resolve } from 'node:path';
import { isPort } from '../../config/load.js';
import { WaiverError } from '../../domain/errors.js';
import type { CliContext } from '../context.js';

export interface ServeFlags {
  host?: string;
  port?: string;
  sweep: boolean;
  controller: boolean;
  notify: boolean;
  evidenceKey?: string;
}

/** `waiver serve`: runs until SIGTERM or SIGINT, then finishes in-flight requests and closes the database. */
export async function run(ctx: CliContext, flags: ServeFlags): Promise<void> {
  const config = await ctx.config();
  if (config.remote) throw new WaiverError('usage', 'serve runs a server; drop --server', 'server');
  if (flags.port !== undefined && !isPort(flags.port))
    throw new WaiverError('usage', `--port must be a port number (0-65535), not "${flags.port}"`, 'port');
  const server = {
    ...config.server,
    ...(flags.host === undefined ? {} : { host: flags.host }),
    ...(flags.port === undefined ? {} : { port: Number(flags.port) }),
    ...(flags.evidenceKey === undefined ? {} : { evidenceKeyFile: resolve(flags.evidenceKey) }),
  };
  const [{ startServer }, { untilSignal }] = await Promise.all([
    import('../../wire/server.js'),
    import('../../wire/process-log.js'),
  ]);
  const running = await startServer(
    { ...config, server },
    {
      periodic: flags.sweep && flags.controller,
      deliver: flags.notify,
      print: (line) => ctx.out(`${line}\n`),
      terminal: ctx.stdoutIsTerminal,
    },
  );
  await untilSignal();
  try {
    await running.close();
  } catch (e) {
    ctx.err(`error while shutting down: ${String(e)}\n`);
  }
}
