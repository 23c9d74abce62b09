import type { Config } from '../../config/load.js';
import { WaiverError } from '../../domain/errors.js';
import type { ImportReport } from '../../service/import-exceptions.js';
import type { UnmanagedException } from '../../service/reconcile.js';
import type { CliContext } from '../context.js';
import { document, outputFormat, table, type OutputFlags } from '../output.js';

/** `waiver get --unmanaged`: PolicyExceptions in the cluster that did not come through the process. */
export async function unmanaged(ctx: CliContext, flags: OutputFlags): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml']);
  const items = await (await ctx.waiver()).unmanaged();
  if (format !== 'table') return ctx.out(document({ items }, format));
  ctx.out(items.length ? unmanagedTable(items) : 'No unmanaged PolicyExceptions found.\n');
}

const unmanagedTable = (items: readonly UnmanagedException[]): string =>
  table(
    ['NAMESPACE', 'NAME', 'POLICIES', 'READ BY KYVERNO'],
    items.map((u) => [
      u.namespace,
      u.name,
      u.policies.join(','),
      u.inExceptionNamespace ? 'yes' : 'no (wrong namespace)',
    ]),
  );

export interface ImportFlags extends OutputFlags {
  dryRun?: boolean;
}

/** `waiver import [--dry-run]`: adopts unmanaged PolicyExceptions into the process. */
export async function importCommand(ctx: CliContext, flags: ImportFlags): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml']);
  const report = await (await ctx.waiver()).import({ dryRun: flags.dryRun === true });
  if (format !== 'table') return ctx.out(document(report, format));
  ctx.out(importText(report));
}

function importText(report: ImportReport): string {
  const verb = report.dryRun ? 'would import' : 'imported';
  const rows = report.imported.map((i) => [i.id ?? '-', i.name, i.expiresAt ?? '', i.lacks.join(',') || '-']);
  const refused = report.refused
    .map((r) => `refused ${r.namespace}/${r.name}: ${r.refused ?? ''}\n`)
    .join('');
  const body = rows.length ? table(['ID', 'NAME', 'EXPIRES', 'LACKS'], rows) : '';
  return `${body}${refused}${verb} ${report.imported.length}, refused ${report.refused.length}${report.dryRun ? ' (dry run: nothing changed)' : ''}\n`;
}

function requireCluster(config: Config, what: string): NonNullable<Config['kubernetes']> {
  if (!config.kubernetes)
    throw new WaiverError(
      'usage',
      `${what}: give --kubeconfig or --context (or kubernetes: in the config)`,
      'context',
    );
  return config.kubernetes;
}

/** `waiver doctor`: checks the configured cluster before use; exit 1 when a check fails. */
export async function doctor(ctx: CliContext, flags: OutputFlags): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml']);
  const config = await ctx.config();
  const kubernetes = requireCluster(config, 'doctor checks a cluster');
  const [{ loadKubeConfig }, { diagnose }] = await Promise.all([
    import('../../targets/kubernetes/kube-config.js'),
    import('../../targets/kubernetes/doctor.js'),
  ]);
  const kc = loadKubeConfig(kubernetes);
  const live = await (await ctx.waiver()).list({ states: ['pending', 'approved', 'active'] });
  const policies = [...new Set([config.settings.defaultPolicy, ...live.map((e) => e.policy)])];
  const findings = await diagnose(kc, config.settings, policies);
  if (format !== 'table') ctx.out(document({ findings }, format));
  else
    ctx.out(
      findings
        .map(
          (f) =>
            `${f.status.toUpperCase().padEnd(5)} ${f.check.padEnd(10)} ${f.message}${f.fix ? `\n      fix: ${f.fix}` : ''}\n`,
        )
        .join(''),
    );
  const failed = findings.filter((f) => f.status === 'fail').length;
  if (failed > 0) throw new WaiverError('lint_failed', `${failed} check(s) failed`, 'cluster');
}

/** `waiver controller`: the reconcile loop alone, until SIGTERM or SIGINT. */
export async function controller(ctx: CliContext): Promise<void> {
  const config = await ctx.config();
  requireCluster(config, 'the controller needs a cluster');
  const [{ openServiceDeps }, { openController }] = await Promise.all([
    import('../../wire.js'),
    import('../../controller/open-controller.js'),
  ]);
  const json = (level: string) => (obj: object, msg: string) =>
    ctx.out(`${JSON.stringify({ level, time: new Date().toISOString(), msg, ...obj })}\n`);
  const log = { info: json('info'), error: json('error') };
  const deps = await openServiceDeps(config, { log: (line) => log.info({}, line) });
  const running = openController(config, deps, log, (run) => {
    const r = run.reconcile;
    const acted = [...r.created, ...r.restored, ...r.deleted, ...run.sweep.expired, ...run.sweep.reminded];
    if (acted.length || r.failed.length) log.info({ sweep: run.sweep, reconcile: r }, 'controller run');
  });
  running?.start();
  log.info({ instance: deps.instance }, 'controller started');
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop).off('SIGINT', stop);
      void (running?.stop() ?? Promise.resolve()).then(() => deps.store.close()).then(resolve, resolve);
    };
    process.on('SIGTERM', stop).on('SIGINT', stop);
  });
}
