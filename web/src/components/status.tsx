import { ApiError } from '../api/client';

/**
 * The server's refusal, verbatim, on one line. The field it names is not appended: a form shows the
 * refusal under that field instead (see `refusalOn`).
 */
export function ErrorNote({ message, error }: { message?: string; error?: unknown }) {
  const text = message ?? (error instanceof Error ? error.message : String(error));
  return (
    <p className="error" role="alert">
      {text}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <p className="empty">{children}</p>;
}

/**
 * A server refusal's words when it names this field (without a leading "field: ", which the field's
 * label already says), else undefined.
 */
export function refusalOn(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError) || error.field !== field) return undefined;
  return error.message.startsWith(`${field}: `) ? error.message.slice(field.length + 2) : error.message;
}
