import { Injectable } from '@nestjs/common';
import { ModelArtifacts } from './artifacts/model-artifacts.service';
import { ModelCatalog } from './model-catalog.service';
import type { ModelRegistry, ModelVersionView, RegisterVersionInput } from './model-registry.port';
import { toVersionView } from './model-version.mapper';

/** The registry as other modules see it (MODEL_REGISTRY). */
@Injectable()
export class ModelRegistryService implements ModelRegistry {
  constructor(
    private readonly catalog: ModelCatalog,
    private readonly artifacts: ModelArtifacts,
  ) {}

  async registerVersion(input: RegisterVersionInput, actor: string): Promise<ModelVersionView> {
    return toVersionView(await this.catalog.register(input, actor));
  }

  async attachArtifactFromFile(
    modelId: string,
    relativePath: string,
    localPath: string,
    actor: string,
  ): Promise<void> {
    await this.artifacts.attachFromFile(modelId, relativePath, localPath, actor);
  }

  async resolve(ref: string): Promise<ModelVersionView> {
    return toVersionView(await this.catalog.get(ref));
  }

  async productionVersionForService(service: string): Promise<ModelVersionView | undefined> {
    const model = await this.catalog.productionForService(service);
    return model ? toVersionView(model) : undefined;
  }

  readArtifact(modelId: string, path: string): Promise<Buffer> {
    return this.artifacts.read(modelId, path);
  }
}
