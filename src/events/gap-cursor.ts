/**
 * Outbox ids are allocated before commit, so id 11 can become visible before id 10. A reader advances
 * its cursor only over a contiguous run of ids; a missing id is waited for until it has been missing for
 * `graceMs` (a rolled-back transaction leaves a permanent gap), then skipped.
 */
export class GapCursor {
  private gapSeenAt: { id: number; at: number } | undefined;

  constructor(
    public position: number,
    private readonly graceMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The deliverable prefix of `rows` (sorted by id, all > position); advances the position over it. */
  advance<T extends { id: number }>(rows: readonly T[]): T[] {
    const out: T[] = [];
    for (const row of rows) {
      const expected = this.position + 1;
      if (row.id < expected) continue;
      if (row.id > expected && !this.gapExpired(expected)) break;
      out.push(row);
      this.position = row.id;
    }
    if (this.gapSeenAt && this.gapSeenAt.id <= this.position) this.gapSeenAt = undefined;
    return out;
  }

  /** True when a gap at `id` is being waited for. */
  get waiting(): boolean {
    return this.gapSeenAt !== undefined;
  }

  private gapExpired(id: number): boolean {
    const now = this.clock();
    if (!this.gapSeenAt || this.gapSeenAt.id !== id) {
      this.gapSeenAt = { id, at: now };
      return this.graceMs === 0;
    }
    return now - this.gapSeenAt.at >= this.graceMs;
  }
}
