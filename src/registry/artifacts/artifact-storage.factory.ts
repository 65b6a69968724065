import { join } from 'node:path';
import type { Provider } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config.schema';
import { ARTIFACT_STORAGE, type ArtifactStorage } from './artifact-storage.port';
import { LocalArtifactStorage } from './local-artifact.storage';

/** Picks the artifact backend from validated configuration (`ARTENIC_ARTIFACTS__BACKEND`). */
export async function createArtifactStorage(config: AppConfig): Promise<ArtifactStorage> {
  const section = config.artifacts;
  if (section.backend === 's3') {
    if (!section.bucket)
      throw new Error('ARTENIC_ARTIFACTS__BUCKET is required when ARTENIC_ARTIFACTS__BACKEND=s3');
    // The S3 SDK is loaded only for this backend (~25 MB of resident memory otherwise unused).
    const { S3ArtifactStorage } = await import('./s3-artifact.storage');
    return S3ArtifactStorage.fromConfig(section);
  }
  return new LocalArtifactStorage(section.local_dir || join(config.data_dir, 'artifacts'));
}

export const artifactStorageProvider: Provider = {
  provide: ARTIFACT_STORAGE,
  inject: [APP_CONFIG],
  useFactory: createArtifactStorage,
};
