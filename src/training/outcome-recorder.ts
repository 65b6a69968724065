import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { CollectedArtifact } from '../providers/training-provider.port';
import { DispatchAdmissions } from './dispatch-admission.port';
import { TrainingOutcomeEntity } from './training-outcome.entity';
import type { TrainingJobEntity } from './training-job.entity';

const PRIMARY_METRICS = ['accuracy', 'f1', 'loss', 'rmse', 'mae'];

/**
 * Writes the `training_outcomes` row of a job that reached a terminal state (every terminal state, not
 * only completed/failed as in the original), and settles admissions, inside the terminal transition.
 */
@Injectable()
export class OutcomeRecorder {
  constructor(private readonly admissions: DispatchAdmissions) {}

  async record(
    manager: EntityManager,
    job: TrainingJobEntity,
    artifacts: CollectedArtifact[],
  ): Promise<void> {
    const completedAt = job.completed_at ? new Date(job.completed_at).getTime() : Date.now();
    const started = job.started_at ? new Date(job.started_at).getTime() : null;
    const metrics = job.metrics ?? {};
    const primary = PRIMARY_METRICS.find((name) => typeof metrics[name] === 'number');
    await manager.insert(TrainingOutcomeEntity, <QueryDeepPartialEntity<TrainingOutcomeEntity>>{
      job_id: job.id,
      service: job.service,
      model: job.model,
      workload_spec: job.workload_spec ?? {},
      provider: job.provider,
      instance_type: job.instance_type ?? 'unknown',
      region: job.region,
      is_spot: job.is_spot,
      status: job.status,
      success: job.status === 'completed',
      duration_seconds: started === null ? 0 : Math.max(0, Math.round((completedAt - started) / 1000)),
      attempts: job.attempt,
      preemptions: job.preemption_count,
      failures: job.failure_count,
      cost_micros: job.cost_micros,
      currency: job.currency,
      predicted_duration_seconds: job.predicted_duration_p50_seconds,
      predicted_cost_micros: job.predicted_cost_p50_micros,
      metrics,
      primary_metric_name: primary ?? null,
      primary_metric_value: primary ? (metrics[primary] as number) : null,
      artifacts: artifacts.map(({ path, size_bytes, sha256 }) => ({ path, size_bytes, sha256 })),
      model_version_id: null,
      created_at: new Date(completedAt),
    });
    await this.admissions.settle(manager, {
      job_id: job.id,
      service: job.service,
      model: job.model,
      provider: job.provider,
      status: job.status as 'completed' | 'failed' | 'cancelled',
      cost_micros: job.cost_micros,
      currency: job.currency,
      project: job.project,
      user: job.created_by,
    });
  }
}
