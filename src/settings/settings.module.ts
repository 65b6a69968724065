import {
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { TypeOrmModule, getRepositoryToken } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { AppConfig } from '../config/app-config.schema';
import { APP_CONFIG } from '../config/config.module';
import { SecretBox, SecretBoxModule } from '../config/secret-box';
import { RateLimitPolicy } from '../common/http/rate-limit.guard';
import { PeriodicTasks } from '../common/periodic/periodic-tasks';
import { EventRelay } from '../events/event-relay';
import { HealthIndicators } from '../health/health-indicators';
import { ConfigAuditEntity } from './config-audit.entity';
import { ConfigScopeEntity, ConfigSettingEntity } from './config-setting.entity';
import { RuntimeSettings } from './runtime-settings.service';
import { SecretRotation } from './secret-rotation.service';
import { SettingsAudit } from './settings-audit.service';
import { SettingsController } from './settings.controller';
import { SettingsSealedStore } from './settings-sealed-store';
import { SettingsWriter } from './settings-writer.service';

/** Builds RuntimeSettings already loaded: whoever injects it reads the stored values, not the env defaults. */
const runtimeSettingsProvider = {
  provide: RuntimeSettings,
  inject: [
    APP_CONFIG,
    getRepositoryToken(ConfigSettingEntity),
    getRepositoryToken(ConfigScopeEntity),
    SecretBox,
    RateLimitPolicy,
    PeriodicTasks,
  ],
  useFactory: async (
    config: AppConfig,
    settings: Repository<ConfigSettingEntity>,
    scopes: Repository<ConfigScopeEntity>,
    box: SecretBox,
    rateLimit: RateLimitPolicy,
    tasks: PeriodicTasks,
  ) => {
    const runtime = new RuntimeSettings(config, settings, scopes, box, rateLimit, tasks);
    await runtime.reload();
    return runtime;
  },
};

/**
 * Keeps this replica in step with the others: every `config` event (from any replica, through the
 * relay's LISTEN/NOTIFY on PostgreSQL) makes it reload from the database and apply the differences.
 */
@Injectable()
class SettingsReplicaSync implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    @Inject(RuntimeSettings) private readonly runtime: RuntimeSettings,
    @Inject(EventRelay) private readonly relay: EventRelay,
    @Inject(HealthIndicators) private readonly health: HealthIndicators,
    @Inject(SecretBox) private readonly box: SecretBox,
    @Inject(SecretRotation) private readonly rotation: SecretRotation,
    @Inject(SettingsSealedStore) private readonly sealed: SettingsSealedStore,
  ) {}

  onModuleInit(): void {
    this.rotation.register('settings', this.sealed);
    this.relay.subscribe(['config'], (event) => {
      const version = Number(event.data.version ?? Number.POSITIVE_INFINITY);
      if (version > this.runtime.version) void this.runtime.reload().catch(() => undefined);
    });
    this.health.register('settings', () => {
      const status = this.runtime.status();
      return {
        status: status.unreadable_secrets.length > 0 ? 'degraded' : 'up',
        ...status,
        secret_key: {
          active_key_id: this.box.activeKeyId,
          key_ids: this.box.keyIds,
          source: this.box.keySource,
        },
      };
    });
  }

  onApplicationBootstrap(): void {
    this.runtime.applyTaskIntervals();
  }
}

@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([ConfigSettingEntity, ConfigScopeEntity, ConfigAuditEntity]),
    SecretBoxModule,
  ],
  controllers: [SettingsController],
  providers: [
    runtimeSettingsProvider,
    SettingsWriter,
    SettingsAudit,
    SecretRotation,
    SettingsSealedStore,
    { provide: SettingsReplicaSync, useClass: SettingsReplicaSync },
  ],
  exports: [RuntimeSettings, SecretRotation, SecretBoxModule],
})
export class SettingsModule {}
