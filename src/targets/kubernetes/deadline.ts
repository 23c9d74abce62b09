/**
 * Runs one API call with a deadline. A call that runs out of time is aborted, not abandoned: a request
 * to a server that accepted the connection and never answers would otherwise hold its socket, and the
 * process, open for good.
 */
export async function withinDeadline<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work(abort.signal), timeout]);
  } catch (e) {
    abort.abort();
    throw e;
  } finally {
    clearTimeout(timer);
  }
}
