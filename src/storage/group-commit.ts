/**
 * Group commit: writes that arrive together are written together, one transaction (and one
 * commit, so one fsync) for the lot, instead of one commit per request. A caller's promise
 * settles only after the transaction holding its item has committed (or failed), so an
 * acknowledged write is a durable write.
 *
 * Items queue until the current event-loop turn ends (setImmediate), so every request parsed
 * in the same turn joins the batch; while `maxInFlight` batches are being written, new items
 * keep queueing and go out together in the next one. Under light load a batch is one item and
 * costs what a plain write costs.
 */
export interface GroupCommitter<T, R> {
  submit(item: T): Promise<R>;
}

export interface GroupCommitOptions<T, R> {
  /** Writes the items in one transaction and returns one result per item, in order. */
  readonly write: (items: readonly T[]) => R[] | Promise<R[]>;
  readonly maxBatch: number;
  readonly maxInFlight: number;
}

interface Pending<T, R> {
  readonly item: T;
  readonly resolve: (r: R) => void;
  readonly reject: (e: unknown) => void;
}

export function groupCommitter<T, R>(options: GroupCommitOptions<T, R>): GroupCommitter<T, R> {
  let queue: Pending<T, R>[] = [];
  let scheduled = false;
  let inFlight = 0;

  const schedule = () => {
    if (scheduled || queue.length === 0 || inFlight >= options.maxInFlight) return;
    scheduled = true;
    setImmediate(flush);
  };

  async function flush(): Promise<void> {
    scheduled = false;
    const batch = queue.length <= options.maxBatch ? queue : queue.slice(0, options.maxBatch);
    queue = batch === queue ? [] : queue.slice(options.maxBatch);
    inFlight++;
    try {
      const results = await options.write(batch.map((p) => p.item));
      for (let i = 0; i < batch.length; i++) batch[i]!.resolve(results[i]!);
    } catch (err) {
      // The transaction rolled back as a whole: nothing of this batch was written.
      for (const p of batch) p.reject(err);
    } finally {
      inFlight--;
      schedule();
    }
  }

  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
  };
}
