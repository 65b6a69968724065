import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { ModelReference, ModelReferenceSource } from '../registry/model-references.service';
import { EnsembleEntity, EnsembleVersionEntity } from './ensemble.entities';

/**
 * Tells the registry's retire guard which ensembles still use a model version: the current version of
 * every ensemble that is not archived (as a member or as the stacking combiner). Past versions do not
 * hold a model back.
 */
@Injectable()
export class EnsembleReferences implements ModelReferenceSource {
  readonly name = 'ensembles';

  constructor(
    @InjectRepository(EnsembleEntity) private readonly ensembles: Repository<EnsembleEntity>,
    @InjectRepository(EnsembleVersionEntity) private readonly versions: Repository<EnsembleVersionEntity>,
  ) {}

  async find(modelId: string): Promise<ModelReference[]> {
    const current = await this.versions
      .createQueryBuilder('v')
      .innerJoin(EnsembleEntity, 'e', 'e.id = v.ensemble_id AND e.version = v.version')
      .where("e.stage <> 'archived'")
      .getMany();
    return current
      .filter((v) => v.model_ids.includes(modelId) || v.strategy_config.combiner_model_id === modelId)
      .map((v) => ({
        kind: 'ensemble',
        id: v.ensemble_id,
        description: `ensemble ${v.ensemble_id} v${v.version} uses ${modelId}`,
      }));
  }
}
