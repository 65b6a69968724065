import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';

type AfterCommit = () => void;

/**
 * Runs a unit of work in one transaction and calls after-commit hooks once it has committed (the event
 * relay is woken this way). Nested calls with an existing manager join the outer transaction.
 */
@Injectable()
export class TransactionRunner {
  private readonly afterCommitHooks = new Set<AfterCommit>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  onAfterCommit(hook: AfterCommit): () => void {
    this.afterCommitHooks.add(hook);
    return () => this.afterCommitHooks.delete(hook);
  }

  /** Runs the after-commit hooks for a commit made outside TypeORM (the prediction-record writer thread). */
  committed(): void {
    for (const hook of this.afterCommitHooks) hook();
  }

  /** `notify: false` for a unit that wrote no event: nothing for the after-commit hooks (the relay) to see. */
  async run<T>(
    work: (manager: EntityManager) => Promise<T>,
    outer?: EntityManager,
    notify = true,
  ): Promise<T> {
    if (outer?.queryRunner?.isTransactionActive) return work(outer);
    const result = await this.dataSource.transaction(work);
    if (notify) this.committed();
    return result;
  }
}
