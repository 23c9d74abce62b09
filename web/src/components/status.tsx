import { ApiError } from '../api/client';

/** The server's refusal, verbatim, with the field it names. */
export function ErrorNote({ message, error }: { message?: string; error?: unknown }) {
  const text =
    message ??
    (error instanceof ApiError
      ? `${error.message}${error.field ? ` (${error.field})` : ''}`
      : error instanceof Error
        ? error.message
        : String(error));
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
