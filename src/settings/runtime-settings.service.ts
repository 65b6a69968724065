import { Logger } from '@nestjs/common';
import type { Repository } from 'typeorm';
import type { AppConfig } from '../config/app-config.schema';
import { type SecretBox, SecretUnreadableError } from '../config/secret-box';
import type { RateLimitPolicy } from '../common/http/rate-limit.guard';
import type { PeriodicTasks } from '../common/periodic/periodic-tasks';
import type { ConfigScopeEntity, ConfigSettingEntity } from './config-setting.entity';
import { findField, secretContext } from './settings-catalog';
import { GLOBAL_SCOPE, SETTINGS_SCHEMA, type SettingField, type SettingValue } from './settings-schema';
import { decodeSettingValue, valuesEqual } from './setting-values';

export interface SettingsChange {
  section: string;
  /** The whole section after the change (secrets in clear: for the component that uses them). */
  values: Record<string, SettingValue>;
  /** Keys whose value changed. */
  changed: string[];
}

export type SettingsListener = (change: SettingsChange) => void | Promise<void>;

const id = (section: string, key: string) => `${section}.${key}`;

/**
 * The effective runtime settings of this replica: a stored override (database) else the boot
 * configuration. `reload()` re-reads the database and applies what changed: the rate limit, the
 * intervals of background loops, and the `onChange` listeners of other modules. Every replica reloads
 * when a `config` event arrives, so a PUT on one replica changes the behaviour of all.
 */
export class RuntimeSettings {
  private readonly logger = new Logger('RuntimeSettings');
  private readonly defaults = new Map<string, SettingValue>();
  private values = new Map<string, SettingValue>();
  private overridden = new Set<string>();
  private unreadable: string[] = [];
  private loadedVersion = -1;
  private readonly listeners = new Map<string, Set<SettingsListener>>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    config: AppConfig,
    private readonly settings: Repository<ConfigSettingEntity>,
    private readonly scopes: Repository<ConfigScopeEntity>,
    private readonly box: SecretBox,
    private readonly rateLimit: RateLimitPolicy,
    private readonly tasks: PeriodicTasks,
  ) {
    for (const section of SETTINGS_SCHEMA[GLOBAL_SCOPE] ?? []) {
      for (const field of section.fields)
        this.defaults.set(id(section.name, field.key), field.fromConfig(config));
    }
    this.values = new Map(this.defaults);
  }

  /** The current value; throws on a section/key the schema does not declare (a programming error). */
  get<T extends SettingValue = SettingValue>(section: string, key: string): T {
    const value = this.values.get(id(section, key));
    if (value === undefined) throw new Error(`unknown setting ${section}.${key}`);
    return value as T;
  }

  number(section: string, key: string): number {
    return this.typed(section, key, 'number') as number;
  }

  bool(section: string, key: string): boolean {
    return this.typed(section, key, 'boolean') as boolean;
  }

  string(section: string, key: string): string {
    return this.typed(section, key, 'string') as string;
  }

  list(section: string, key: string): string[] {
    return [...this.get<string[]>(section, key)];
  }

  section(section: string): Record<string, SettingValue> {
    const fields = SETTINGS_SCHEMA[GLOBAL_SCOPE]?.find((s) => s.name === section)?.fields;
    if (!fields) throw new Error(`unknown settings section ${section}`);
    return Object.fromEntries(fields.map((f) => [f.key, this.get(section, f.key)]));
  }

  /** Calls `listener` after every reload that changed a key of `section`; returns an unsubscribe. */
  onChange(section: string, listener: SettingsListener): () => void {
    if (!SETTINGS_SCHEMA[GLOBAL_SCOPE]?.some((s) => s.name === section)) {
      throw new Error(`unknown settings section ${section}`);
    }
    const set = this.listeners.get(section) ?? new Set<SettingsListener>();
    set.add(listener);
    this.listeners.set(section, set);
    return () => set.delete(listener);
  }

  isOverridden(section: string, key: string): boolean {
    return this.overridden.has(id(section, key));
  }

  get version(): number {
    return this.loadedVersion;
  }

  status(): { version: number; overrides: number; unreadable_secrets: string[] } {
    return {
      version: this.loadedVersion,
      overrides: this.overridden.size,
      unreadable_secrets: [...this.unreadable],
    };
  }

  /** Re-reads the database and applies the differences; reloads are serialised (last one wins). */
  reload(): Promise<void> {
    const run = this.queue.then(() => this.load());
    this.queue = run.catch((error: unknown) =>
      this.logger.error(`settings reload failed: ${(error as Error).message}`),
    );
    return run;
  }

  /** Re-applies every loop interval (loops registered after the first load start with the boot value). */
  applyTaskIntervals(): void {
    for (const section of SETTINGS_SCHEMA[GLOBAL_SCOPE] ?? []) {
      for (const field of section.fields) this.applyTask(field, this.get(section.name, field.key));
    }
  }

  private typed(section: string, key: string, type: 'number' | 'boolean' | 'string'): SettingValue {
    const value = this.get(section, key);
    if (typeof value !== type) throw new Error(`setting ${section}.${key} is not a ${type}`);
    return value;
  }

  private async load(): Promise<void> {
    const [scope, rows] = await Promise.all([
      this.scopes.findOneBy({ scope: GLOBAL_SCOPE }),
      this.settings.findBy({ scope: GLOBAL_SCOPE }),
    ]);
    const next = new Map(this.defaults);
    const overridden = new Set<string>();
    const unreadable: string[] = [];
    for (const row of rows) {
      const field = findField(GLOBAL_SCOPE, row.section, row.key);
      if (!field) continue; // a stored key the schema no longer declares: ignored, kept for the audit trail
      const value = this.decode(row, field, unreadable);
      if (value === undefined) continue;
      next.set(id(row.section, row.key), value);
      overridden.add(id(row.section, row.key));
    }
    const changed = [...next.keys()].filter((k) => !valuesEqual(next.get(k)!, this.values.get(k)!));
    this.values = next;
    this.overridden = overridden;
    this.unreadable = unreadable;
    this.loadedVersion = Number(scope?.version ?? 0);
    if (changed.length > 0) await this.apply(changed);
  }

  private decode(
    row: ConfigSettingEntity,
    field: SettingField,
    unreadable: string[],
  ): SettingValue | undefined {
    let text = row.value;
    if (row.encrypted) {
      try {
        text = this.box.open(row.value, secretContext(row.scope, row.section, row.key));
      } catch (error) {
        if (!(error instanceof SecretUnreadableError)) throw error;
        unreadable.push(id(row.section, row.key));
        this.logger.error(`stored secret ${row.section}.${row.key} cannot be opened: ${error.message}`);
        return undefined;
      }
    }
    const value = decodeSettingValue(field, text);
    if (value === undefined)
      this.logger.warn(`stored setting ${row.section}.${row.key} is no longer valid; ignored`);
    return value;
  }

  private async apply(changed: string[]): Promise<void> {
    const bySection = new Map<string, string[]>();
    for (const key of changed) {
      const [section, field] = key.split('.') as [string, string];
      bySection.set(section, [...(bySection.get(section) ?? []), field]);
      const def = findField(GLOBAL_SCOPE, section, field);
      if (def) this.applyTask(def, this.get(section, field));
    }
    if (bySection.has('rate_limit')) {
      this.rateLimit.configure(this.number('rate_limit', 'per_minute'), this.number('rate_limit', 'burst'));
    }
    this.logger.log(`applied settings: ${changed.join(', ')}`);
    for (const [section, keys] of bySection) await this.notify(section, keys);
  }

  private applyTask(field: SettingField, value: SettingValue): void {
    if (!field.task || typeof value !== 'number') return;
    this.tasks.reschedule(field.task.name, Math.round(field.task.unit === 'seconds' ? value * 1000 : value));
  }

  private async notify(section: string, changed: string[]): Promise<void> {
    const listeners = [...(this.listeners.get(section) ?? [])];
    const change: SettingsChange = { section, values: this.section(section), changed };
    for (const listener of listeners) {
      try {
        await listener(change);
      } catch (error) {
        this.logger.error(`settings listener for ${section} failed: ${(error as Error).message}`);
      }
    }
  }
}
