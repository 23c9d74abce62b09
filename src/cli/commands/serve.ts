import { WaiverError } from '../../domain/errors.js';
import type { CliContext } from '../context.js';

export interface ServeFlags {
  host?: string;
  port?: string;
  sweep: boolean;
  controller: boolean;
}

/** `waiver serve`: runs until SIGTERM or SIGINT, then finishes in-flight requests and closes the database. */
export async function run(ctx: CliContext, flags: ServeFlags): Promise<void> {
  const config = await ctx.config();
  if (config.remote) throw new WaiverError('usage', 'serve runs a server; drop --server', 'server');
  if (flags.port !== undefined && !/^\d{1,5}$/.test(flags.port))
    throw new WaiverError('usage', `--port must be a port number, not "${flags.port}"`, 'port');
  const server = {
    ...config.server,
    ...(flags.host === undefined ? {} : { host: flags.host }),
    ...(flags.port === undefined ? {} : { port: Number(flags.port) }),
  };
  const { startServer } = await import('../../server/serve.js');
  const running = await startServer(
    { ...config, server },
    {
      adminToken: process.env['WAIVER_ADMIN_TOKEN'],
      logLevel: process.env['WAIVER_LOG_LEVEL'],
      periodic: flags.sweep && flags.controller,
      print: (line) => ctx.out(`${line}\n`),
      version: '0.1.0',
    },
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop).off('SIGINT', stop);
      void running.close().then(resolve, (e: unknown) => {
        ctx.err(`error while shutting down: ${String(e)}\n`);
        resolve();
      });
    };
    process.on('SIGTERM', stop).on('SIGINT', stop);
  });
}
