/**
 * How many target operations run at once: enough to overlap a cluster's round trips and a disk's
 * fsyncs, few enough that a batch of thousands never floods the API server or the file system.
 */
export const TARGET_CONCURRENCY = 16;

/** `work` on every item, at most `limit` at a time; the results in the items' order. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
