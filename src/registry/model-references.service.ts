import { Injectable } from '@nestjs/common';
import type { ModelReferenceView } from './promotion.entity';

export interface ModelReference {
  kind: string;
  id: string;
  description: string;
}

/** A module that can hold references to model versions (A/B tests, ensembles, serving aliases …). */
export interface ModelReferenceSource {
  name: string;
  find(modelId: string): Promise<ModelReference[]>;
}

/**
 * The retire guard's port: modules that reference model versions register a source here, and retiring or
 * archiving a version that any source still references is refused unless forced.
 */
@Injectable()
export class ModelReferences {
  private readonly sources = new Map<string, ModelReferenceSource>();

  register(source: ModelReferenceSource): void {
    this.sources.set(source.name, source);
  }

  async find(modelId: string): Promise<ModelReferenceView[]> {
    const found = await Promise.all([...this.sources.values()].map((s) => s.find(modelId)));
    return found.flat().map((r) => ({ kind: r.kind, id: r.id, description: r.description }));
  }
}
