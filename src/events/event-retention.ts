import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { SqlDialect } from '../database/sql-dialect';
import { PeriodicTasks } from '../common/periodic/periodic-tasks';

/** Deletes events older than the retention period that every durable consumer has already passed. */
@Injectable()
export class EventRetention implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dialect: SqlDialect,
    private readonly tasks: PeriodicTasks,
  ) {}

  onApplicationBootstrap(): void {
    this.tasks.register('events.retention', () => this.prune(), { intervalMs: 3_600_000, runOnStart: true });
  }

  async prune(): Promise<void> {
    const p = (n: number) => this.dialect.param(n);
    await this.dataSource.query(
      `DELETE FROM events
        WHERE created_at < ${this.dialect.nowPlusSeconds(p(1))}
          AND id <= COALESCE((SELECT MIN(cursor) FROM event_consumers), (SELECT MAX(id) FROM events))`,
      [-this.config.events.retention_days * 86400],
    );
  }
}
