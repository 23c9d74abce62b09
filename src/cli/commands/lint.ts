import { WaiverError } from '../../domain/errors.js';
import type { LintReport } from '../../domain/lint-report.js';
import { lintManifests } from '../../service/lint-manifests.js';
import type { CliContext } from '../context.js';
import { readSources } from '../yaml-sources.js';
import { document, outputFormat, table, type OutputFlags } from '../output.js';

/** `waiver lint FILE|DIR|- ...`: checks PolicyException manifests like a GitOps repository's CI; exit 1 on errors. */
export async function run(ctx: CliContext, paths: string[], flags: OutputFlags): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml']);
  // Nothing named and nothing piped in: say how to use it instead of waiting on the terminal.
  if (paths.length === 0 && ctx.stdinIsTerminal)
    throw new WaiverError(
      'usage',
      'lint checks files, folders or - (standard input): name at least one',
      'path',
    );
  const sources = (paths.length ? paths : ['-']).flatMap((path) => readSources(ctx, path, 'lint'));
  const config = await ctx.config();
  // Local mode lints here without opening the store; remote mode asks the server, whose settings rule.
  const report = config.remote
    ? await (await ctx.waiver()).lint(sources)
    : lintManifests({ clock: ctx.clock, settings: config.settings }, sources);
  ctx.out(format === 'table' ? reportText(report) : document(report, format));
  if (report.errors > 0) {
    throw new WaiverError('lint_failed', `${report.errors} error(s) in ${report.files} file(s)`, 'manifest');
  }
}

function reportText({ files, exceptions, errors, warnings, findings }: LintReport): string {
  const rows = findings.map((f) => [f.file, f.object, f.severity, f.rule, f.message]);
  const body = rows.length ? table(['FILE', 'OBJECT', 'SEVERITY', 'RULE', 'MESSAGE'], rows) : '';
  // A file of other kinds passes, but should not look like a checked exception.
  const none = exceptions === 0 && errors === 0 ? ' (no PolicyException found: nothing was checked)' : '';
  return `${body}${files} file(s), ${exceptions} PolicyException(s), ${errors} error(s), ${warnings} warning(s)${none}\n`;
}
