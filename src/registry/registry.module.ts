import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { artifactStorageProvider } from './artifacts/artifact-storage.factory';
import { ModelArtifactsController } from './artifacts/model-artifacts.controller';
import { ModelArtifacts } from './artifacts/model-artifacts.service';
import { MlflowClient } from './mlflow/mlflow.client';
import { MlflowSync } from './mlflow/mlflow-sync.consumer';
import { ModelAliasEntity } from './model-alias.entity';
import { ModelAliasesController } from './model-aliases.controller';
import { ModelAliases } from './model-aliases.service';
import { ModelPromotions } from './model-promotions.service';
import { ModelArtifactEntity } from './model-artifact.entity';
import { ModelCatalog } from './model-catalog.service';
import { ModelLifecycle } from './model-lifecycle.service';
import { ModelListCache, ModelListCacheInterceptor } from './model-list-cache';
import { ModelListing } from './model-listing.query';
import { ModelReferences } from './model-references.service';
import { MODEL_REGISTRY } from './model-registry.port';
import { ModelRegistryService } from './model-registry.service';
import { ModelTagEntity } from './model-tag.entity';
import { ModelVersionEntity } from './model-version.entity';
import { PromotionLedger } from './promotion-ledger.service';
import { PromotionEntity } from './promotion.entity';
import { RegistryController } from './registry.controller';

/**
 * The model registry. Other modules use MODEL_REGISTRY (the port), ModelReferences (to make the retire
 * guard aware of what they reference) and ModelPromotions (stage and alias moves inside their transaction).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      ModelVersionEntity,
      ModelTagEntity,
      ModelAliasEntity,
      PromotionEntity,
      ModelArtifactEntity,
    ]),
  ],
  controllers: [RegistryController, ModelAliasesController, ModelArtifactsController],
  providers: [
    ModelCatalog,
    ModelListing,
    ModelListCache,
    ModelListCacheInterceptor,
    ModelLifecycle,
    ModelAliases,
    ModelPromotions,
    PromotionLedger,
    ModelReferences,
    ModelArtifacts,
    artifactStorageProvider,
    ModelRegistryService,
    { provide: MODEL_REGISTRY, useExisting: ModelRegistryService },
    MlflowClient,
    MlflowSync,
  ],
  exports: [MODEL_REGISTRY, ModelRegistryService, ModelReferences, ModelPromotions],
})
export class RegistryModule {}
