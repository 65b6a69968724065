import { Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InferenceModule } from '../inference/inference.module';
import { ModelReferences } from '../registry/model-references.service';
import { RegistryModule } from '../registry/registry.module';
import { TrainingModule } from '../training/training.module';
import { EnsembleCatalog } from './ensemble-catalog.service';
import { EnsembleDefinitions } from './ensemble-definition';
import { EnsemblePredictor } from './ensemble-predictor.service';
import { EnsembleEntity, EnsembleJobEntity, EnsembleVersionEntity } from './ensemble.entities';
import { EnsemblesController } from './ensembles.controller';
import { EnsembleReferences } from './ensemble-references';
import { EnsembleTraining } from './ensemble-training.service';

/**
 * Versioned ensembles: definitions, execution (bound into the inference gateway), member training through
 * the training module, retire guard source.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([EnsembleEntity, EnsembleVersionEntity, EnsembleJobEntity]),
    RegistryModule,
    InferenceModule,
    TrainingModule,
  ],
  controllers: [EnsemblesController],
  providers: [EnsembleDefinitions, EnsembleCatalog, EnsemblePredictor, EnsembleReferences, EnsembleTraining],
  exports: [EnsembleCatalog],
})
export class EnsemblesModule implements OnModuleInit {
  constructor(
    private readonly references: ModelReferences,
    private readonly ensembleReferences: EnsembleReferences,
  ) {}

  onModuleInit(): void {
    this.references.register(this.ensembleReferences);
  }
}
