import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ModelMonitorEntity } from './model-health.entities';

const RESET_REFERENCE = {
  reference: null,
  reference_source: null,
  reference_end_at: null,
  reference_end_id: null,
} as const;

/** The per-model monitoring state rows: created on first sight, updated by checks and lifecycle events. */
@Injectable()
export class ModelMonitors {
  constructor(@InjectRepository(ModelMonitorEntity) private readonly repo: Repository<ModelMonitorEntity>) {}

  /** The monitor of a model version, created healthy if this is the first time it is seen. */
  async ensure(modelId: string): Promise<ModelMonitorEntity> {
    const now = new Date();
    await this.repo
      .createQueryBuilder()
      .insert()
      .values({ model_id: modelId, status: 'healthy', alerts: [], revision: 0, updated_at: now })
      .orIgnore()
      .execute();
    return this.repo.findOneByOrFail({ model_id: modelId });
  }

  /** The monitor without its (possibly large) reference samples. */
  summary(modelId: string): Promise<ModelMonitorEntity | null> {
    return this.repo.findOne({
      where: { model_id: modelId },
      select: ['model_id', 'status', 'alerts', 'evaluated_at', 'promoted_at', 'reference_source'],
    });
  }

  /**
   * A promotion to production (at `at`, the event's time): the reference window restarts after it. A
   * redelivered or older promotion event changes nothing.
   */
  async promoted(modelId: string, at: Date): Promise<void> {
    const monitor = await this.ensure(modelId);
    if (monitor.promoted_at && monitor.promoted_at.getTime() >= at.getTime()) return;
    await this.repo.update(
      { model_id: modelId },
      { promoted_at: at, ...RESET_REFERENCE, updated_at: new Date() },
    );
  }

  /** A new reference artifact was uploaded: the next check reads it. */
  async resetReference(modelId: string): Promise<void> {
    await this.ensure(modelId);
    await this.repo.update({ model_id: modelId }, { ...RESET_REFERENCE, updated_at: new Date() });
  }

  /** Monitors currently not healthy, worst first (for /health/detailed). */
  alerting(limit: number): Promise<ModelMonitorEntity[]> {
    return this.repo
      .createQueryBuilder('m')
      .select(['m.model_id', 'm.status', 'm.alerts', 'm.evaluated_at'])
      .where("m.status <> 'healthy'")
      .orderBy("CASE m.status WHEN 'unhealthy' THEN 0 ELSE 1 END", 'ASC')
      .addOrderBy('m.evaluated_at', 'DESC')
      .limit(limit)
      .getMany();
  }

  countAlerting(): Promise<number> {
    return this.repo.createQueryBuilder('m').where("m.status <> 'healthy'").getCount();
  }
}
