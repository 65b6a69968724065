import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config.schema';

/** An MLflow call that failed; `retryable` when MLflow was unreachable or answered 5xx/429. */
export class MlflowError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly errorCode?: string,
  ) {
    super(message);
  }
}

export type MlflowStage = 'None' | 'Staging' | 'Production' | 'Archived';

/** MLflow's model registry over its REST API 2.0 (there is no official Node SDK). */
@Injectable()
export class MlflowClient {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get enabled(): boolean {
    return this.config.mlflow_tracking_uri !== '';
  }

  async ensureRegisteredModel(name: string): Promise<void> {
    try {
      await this.call('POST', 'registered-models/create', { name });
    } catch (error) {
      if (!(error instanceof MlflowError && error.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw error;
    }
  }

  /** Creates a model version and returns MLflow's version number. */
  async createModelVersion(input: {
    name: string;
    source: string;
    run_id?: string | null;
    description?: string;
    tags: Record<string, string>;
  }): Promise<string> {
    const body = {
      name: input.name,
      source: input.source,
      ...(input.run_id ? { run_id: input.run_id } : {}),
      description: input.description ?? '',
      tags: Object.entries(input.tags).map(([key, value]) => ({ key, value })),
    };
    const out = (await this.call('POST', 'model-versions/create', body)) as {
      model_version?: { version?: string };
    };
    const version = out.model_version?.version;
    if (!version) throw new MlflowError('model-versions/create answered without a version', false);
    return String(version);
  }

  async transitionStage(name: string, version: string, stage: MlflowStage): Promise<void> {
    await this.call('POST', 'model-versions/transition-stage', {
      name,
      version,
      stage,
      archive_existing_versions: false,
    });
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.call('POST', 'registered-models/alias', { name, alias, version });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    const query = new URLSearchParams({ name, alias }).toString();
    await this.call('DELETE', `registered-models/alias?${query}`);
  }

  private async call(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    const url = `${this.config.mlflow_tracking_uri.replace(/\/+$/, '')}/api/2.0/mlflow/${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.config.mlflow.timeout_ms),
      });
    } catch (error) {
      throw new MlflowError(`MLflow unreachable at ${url}: ${(error as Error).message}`, true);
    }
    const text = await response.text();
    const parsed = safeJson(text);
    if (response.ok) return parsed;
    const code = typeof parsed.error_code === 'string' ? parsed.error_code : undefined;
    const message = typeof parsed.message === 'string' ? parsed.message : text.slice(0, 300);
    const retryable = response.status >= 500 || response.status === 429;
    throw new MlflowError(
      `MLflow ${method} ${path} → ${response.status} ${code ?? ''} ${message}`.trim(),
      retryable,
      code,
    );
  }
}

function safeJson(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
