import type { ExceptionEvidence } from '../domain/report-evidence.js';
import { table } from './output.js';

const where = (e: Pick<ExceptionEvidence['exempted'][number], 'resource'>) =>
  `${e.resource.kind} ${e.resource.namespace ? `${e.resource.namespace}/` : ''}${e.resource.name}`;

/** One exception's proof of effect, as `describe` and `evidence ID` print it. */
export function evidenceText(e: ExceptionEvidence): string {
  const lines = [
    `Exempted:         ${e.exempted.length} resource(s) in the policy reports${e.lastSeen ? `, last seen ${e.lastSeen}` : ''}\n`,
    ...e.exempted.map((x) => `  ${where(x)}  ${x.policy}${x.rule ? `/${x.rule}` : ''}\n`),
  ];
  if (e.failing.length)
    lines.push(
      `Failing:          ${e.failing.length} resource(s) it covers\n`,
      ...e.failing.map((x) => `  ${where(x)}  ${x.policy}${x.rule ? `/${x.rule}` : ''}\n`),
    );
  if (e.withoutException.length)
    lines.push(
      `Without it:       ${e.withoutException.filter((x) => x.verdict === 'would-pass').length} of ${e.withoutException.length} covered resource(s) would pass\n`,
      ...e.withoutException.map(
        (x) => `  ${where(x)}  ${x.policy}${x.rule ? `/${x.rule}` : ''}  ${x.verdict}: ${x.why}\n`,
      ),
    );
  lines.push(
    `Flags:            ${e.flags.length ? '' : '<none>'}\n`,
    ...e.flags.map((f) => `  ${f.flag}: ${f.why}\n`),
  );
  return lines.join('');
}

/** Every exception's proof of effect, one row each, flagged ones first. */
export function evidenceTable(items: readonly ExceptionEvidence[]): string {
  if (!items.length) return 'No exception is in effect or ended lately.\n';
  return table(
    ['ID', 'NAME', 'STATE', 'EXEMPTED', 'LAST SEEN', 'FLAGS'],
    items.map((e) => [
      e.id,
      e.name,
      e.state,
      String(e.exempted.length),
      e.lastSeen ?? '-',
      e.flags.map((f) => f.flag).join(', ') || '-',
    ]),
  );
}
