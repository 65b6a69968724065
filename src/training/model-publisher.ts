import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { SqlDialect } from '../database/sql-dialect';
import type { CollectedArtifact } from '../providers/training-provider.port';
import { MODEL_REGISTRY, type ModelRegistry } from '../registry/model-registry.port';
import type { TrainingJobEntity } from './training-job.entity';

/**
 * Registers what a completed job produced as a new model version (artifacts attached, the job linked),
 * after the terminal transition committed: the registry is another module with its own transactions.
 * A failure is recorded on the job (`registration_error`) rather than failing a job that did train.
 */
@Injectable()
export class ModelPublisher {
  private readonly logger = new Logger('ModelPublisher');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MODEL_REGISTRY) private readonly registry: ModelRegistry,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dialect: SqlDialect,
  ) {}

  async publish(job: TrainingJobEntity, artifacts: CollectedArtifact[]): Promise<string | null> {
    if (!this.config.training.register_models || artifacts.length === 0) return null;
    try {
      const onnx = artifacts.some((a) => a.path === 'model.onnx');
      const spec = job.workload_spec ?? {};
      const view = await this.registry.registerVersion(
        {
          name: job.model,
          model_type: typeof spec.model_type === 'string' ? spec.model_type : 'trained',
          framework: typeof spec.framework === 'string' ? spec.framework : onnx ? 'onnx' : 'custom',
          description: `Trained by job ${job.id} on ${job.provider}`,
          service: job.service,
          ...(onnx ? { serving: { runtime: 'onnx' as const, artifact: 'model.onnx' } } : {}),
          metrics: job.metrics ?? {},
          training_job_id: job.id,
          tags: { training_job_id: job.id },
        },
        job.created_by,
      );
      for (const artifact of artifacts) {
        await this.registry.attachArtifactFromFile(
          view.id,
          artifact.path,
          artifact.local_path,
          job.created_by,
        );
      }
      await this.link(job.id, view.id, null);
      return view.id;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn(`registering the model of job ${job.id} failed: ${message}`);
      await this.link(job.id, null, message);
      return null;
    }
  }

  private async link(jobId: string, modelId: string | null, error: string | null): Promise<void> {
    const p = (n: number) => this.dialect.param(n);
    await this.dataSource.query(
      `UPDATE training_jobs SET model_version_id = ${p(1)}, registration_error = ${p(2)} WHERE id = ${p(3)}`,
      [modelId, error, jobId],
    );
    if (modelId) {
      await this.dataSource.query(
        `UPDATE training_outcomes SET model_version_id = ${p(1)} WHERE job_id = ${p(2)}`,
        [modelId, jobId],
      );
    }
  }
}
