import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ModelReferenceView } from './promotion.entity';

export interface ModelReference {
  kind: string;
  id: string;
  description: string;
}

/** A module that can hold references to model versions (A/B tests, ensembles, serving aliases …). */
export interface ModelReferenceSource {
  name: string;
  /**
   * `manager` is the transaction deciding the move, when there is one: a source that stores its references
   * in the database reads through it, so that changes made earlier in that transaction count.
   */
  find(modelId: string, manager?: EntityManager): Promise<ModelReference[]>;
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

  async find(modelId: string, manager?: EntityManager): Promise<ModelReferenceView[]> {
    // One after another: a transaction's manager runs one statement at a time.
    const found: ModelReference[][] = [];
    for (const source of this.sources.values()) found.push(await source.find(modelId, manager));
    return found.flat().map((r) => ({ kind: r.kind, id: r.id, description: r.description }));
  }
}
