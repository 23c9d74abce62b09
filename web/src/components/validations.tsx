/**
 * A CEL exception's compensating validations: each expression as code (React escapes it), numbered as
 * the API's field paths number them, so a reviewer can match an error on `validations.1` to its line.
 */
export function Validations({ items }: { items: readonly string[] }) {
  if (items.length === 0) return <>—</>;
  return (
    <ol className="validations" start={0} aria-label="Compensating validations">
      {items.map((expression, i) => (
        <li key={i}>
          <code>{expression}</code>
        </li>
      ))}
    </ol>
  );
}
