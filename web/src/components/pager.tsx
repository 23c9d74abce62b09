import { useState } from 'react';

/** Server-side pages: the continue tokens of the pages before this one, so Previous needs no reload. */
export function usePages() {
  const [cursors, setCursors] = useState<string[]>([]);
  return {
    cursor: cursors.at(-1),
    number: cursors.length + 1,
    reset: () => setCursors([]),
    back: () => setCursors((c) => c.slice(0, -1)),
    forward: (next: string) => setCursors((c) => [...c, next]),
  };
}

export function Pager({
  label,
  pages,
  next,
}: {
  label: string;
  pages: ReturnType<typeof usePages>;
  /** The current page's continue token: absent on the last page. */
  next: string | undefined;
}) {
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" className="secondary" disabled={pages.number === 1} onClick={pages.back}>
        Previous
      </button>
      <button
        type="button"
        className="secondary"
        disabled={!next}
        onClick={() => next && pages.forward(next)}
      >
        Next
      </button>
    </nav>
  );
}
