import type { ExceptionView } from './exception-table';
import { podSecurityLine } from '../../../src/domain/exemptions';

/**
 * What an exception exempts inside its scope, as label and text rows: its Pod Security entries (one per
 * line), or a CEL exception's images and allowed values. None: it exempts the whole rule or policy.
 */
export function exemptionRows(
  x: Pick<ExceptionView, 'podSecurity' | 'images' | 'allowedValues'>,
): [string, React.ReactNode][] {
  const rows: [string, React.ReactNode][] = [];
  if (x.podSecurity.length)
    rows.push([
      'Pod Security controls',
      <ul key="pss" className="plain-list">
        {x.podSecurity.map((e, i) => (
          <li key={i}>{podSecurityLine(e)}</li>
        ))}
      </ul>,
    ]);
  if (x.images.length) rows.push(['Images lent to the policy', x.images.join(', ')]);
  if (x.allowedValues.length) rows.push(['Values lent to the policy', x.allowedValues.join(', ')]);
  return rows;
}

/** The same rows inside a `<dl className="facts">`. */
export function ExemptionFacts({
  x,
}: {
  x: Pick<ExceptionView, 'podSecurity' | 'images' | 'allowedValues'>;
}) {
  return (
    <>
      {exemptionRows(x).map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </>
  );
}
