/** Pages after which `keepUp` sends a batch that has not filled up. */
const EARLY_FLUSH_PAGES = 5;

/**
 * Items written to the database in batches, one batch after another, while the caller keeps
 * producing them: the sync pages Fleet while its writes of the pages before go out. The first
 * failure is kept and stops every later batch; the caller hears of it at its next `keepUp`/`drain`.
 */
export class WriteBatches<T> {
  private pending: T[] = [];
  private handedOut = 0;
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private failure: { error: unknown } | null = null;
  private pagesSinceFlush = 0;

  /** `write` gets each batch and the position of its first item among all items pushed. */
  constructor(
    private readonly batchSize: number,
    private readonly write: (batch: T[], firstIndex: number) => Promise<void>,
  ) {}

  /** Items pushed so far, written or not. */
  get size(): number {
    return this.handedOut + this.pending.length;
  }

  push(item: T): void {
    this.pending.push(item);
    if (this.pending.length >= this.batchSize) this.flush();
  }

  /** Runs `work` in turn with the batches (before the first, after the last), failing like one. */
  enqueue(work: () => Promise<void>): void {
    this.chain = this.chain
      .then(() => (this.failure ? undefined : work()))
      .catch((error: unknown) => {
        this.failure ??= { error };
      });
  }

  /**
   * Between pages: when no batch has filled for a few pages (a re-sync, with few writes), sends
   * what is pending, so those writes go out beside the fetch rather than all after it; then waits
   * while more than one batch is queued: the database sets the pace, not memory. (Sending every
   * page's writes at once instead made a full sync's many smaller statements cost 50% more.)
   */
  async keepUp(): Promise<void> {
    if (++this.pagesSinceFlush >= EARLY_FLUSH_PAGES) this.flush();
    if (this.queued > 1) await this.chain;
    this.throwIfFailed();
  }

  /** Writes what is left and waits for every batch; throws the first failure. */
  async drain(): Promise<void> {
    this.flush();
    await this.chain;
    this.throwIfFailed();
  }

  /** Drops what was not handed out yet and waits for what was, ignoring failures. */
  async settle(): Promise<void> {
    this.pending = [];
    await this.chain;
  }

  private flush(): void {
    this.pagesSinceFlush = 0;
    if (this.pending.length === 0 || this.failure) return;
    const batch = this.pending;
    const firstIndex = this.handedOut;
    this.pending = [];
    this.handedOut += batch.length;
    this.queued++;
    this.enqueue(async () => {
      try {
        await this.write(batch, firstIndex);
      } finally {
        this.queued--;
      }
    });
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
