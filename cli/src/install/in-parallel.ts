/**
 * Runs `work` on every item, at most `limit` at a time, and resolves with the results in the
 * items' order. Every started task is waited for before anything is thrown, so nothing still runs
 * once the caller hears of a failure; the error thrown is the first item's in order, so the same
 * bad input always gives the same message.
 */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const settled: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const at = next++;
      try {
        settled[at] = { status: 'fulfilled', value: await work(items[at]!) };
      } catch (reason) {
        settled[at] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failed = settled.find((one) => one.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return settled.map((one) => (one as PromiseFulfilledResult<R>).value);
}
