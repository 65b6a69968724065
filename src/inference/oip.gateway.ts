import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { MODEL_REGISTRY, type ModelRegistry, type ModelVersionView } from '../registry/model-registry.port';
import type { OipInferRequestDto, OipInferResponseDto, OipModelMetadataDto } from './inference.dto';
import type { BatchTensor, OipDatatype } from './runtime/model-runtime.port';
import { ModelExecutor } from './runtime/model-executor.service';
import { rowsToOutputTensors, tensorsToInputRows } from './runtime/tensors';
import { PredictionService } from './prediction.service';
import { PredictionTargetResolver } from './prediction-target.resolver';
import { EnsembleRunners } from './routing/ensemble-runner.port';

/** Maps OIP v2 calls onto the predict use case. */
@Injectable()
export class OipGateway {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(MODEL_REGISTRY) private readonly registry: ModelRegistry,
    private readonly resolver: PredictionTargetResolver,
    private readonly executor: ModelExecutor,
    private readonly predictions: PredictionService,
    private readonly ensembles: EnsembleRunners,
  ) {}

  async serverReady(): Promise<{ ready: boolean }> {
    try {
      await this.dataSource.query('SELECT 1');
      return { ready: true };
    } catch {
      throw new DomainError('unavailable', 'NOT_READY', 'the database does not answer');
    }
  }

  async metadata(service: string, version?: string): Promise<OipModelMetadataDto> {
    if (!version) {
      const ensemble = await this.ensembles.servingEnsemble(service);
      if (ensemble) {
        return {
          name: service,
          versions: [String(ensemble.version)],
          platform: 'artenic-ensemble',
          inputs: [],
          outputs: [],
        };
      }
    }
    const model = await this.modelOf(service, version);
    const signature = await this.executor.signature(model);
    return {
      name: service,
      versions: [model.version],
      platform: model.serving?.runtime === 'http' ? 'remote' : 'onnxruntime',
      inputs: signature?.inputs ?? [],
      outputs: signature?.outputs ?? [],
    };
  }

  async modelReady(service: string, version?: string): Promise<{ name: string; ready: boolean }> {
    const model = await this.modelOf(service, version);
    await this.executor.warm(model);
    return { name: service, ready: true };
  }

  async infer(service: string, version: string | undefined, body: OipInferRequestDto, subject: string) {
    const inputs = body.inputs.map((t) => ({
      ...t,
      datatype: t.datatype as OipDatatype,
      data: flat(t.data),
    }));
    const rows = tensorsToInputRows(inputs as BatchTensor[]);
    const target = version
      ? { kind: 'model' as const, version: await this.modelOf(service, version) }
      : undefined;
    const outcome = await this.predictions.predict({
      service,
      rows,
      subject,
      target,
      request: { batch: rows },
    });
    const declared = target ? (await this.executor.signature(target.version))?.outputs : undefined;
    let outputs = outcome.tensors ?? rowsToOutputTensors(outcome.rows, declared);
    if (body.outputs?.length) {
      const wanted = new Set(body.outputs.map((o) => o.name));
      outputs = outputs.filter((o) => wanted.has(o.name));
    }
    const response: OipInferResponseDto = {
      model_name: service,
      model_version: outcome.model_version,
      outputs: outputs.map((o) => ({ name: o.name, shape: o.shape, datatype: o.datatype, data: o.data })),
    };
    if (body.id !== undefined) response.id = body.id;
    return response;
  }

  private async modelOf(service: string, version?: string): Promise<ModelVersionView> {
    if (version) return this.resolver.versionOfService(service, version);
    const current = await this.registry.productionVersionForService(service);
    if (!current) {
      throw new DomainError('not_found', 'SERVICE_NOT_FOUND', `no model serves '${service}'`, { service });
    }
    return current;
  }
}

function flat(data: unknown[]): unknown[] {
  return data.some(Array.isArray) ? data.flat<unknown[], 20>(20) : data;
}
