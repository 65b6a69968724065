import { Injectable, Logger } from '@nestjs/common';
import { SecretBox } from '../config/secret-box';

export interface ResealCounts {
  /** Values sealed with an older key and now sealed with the active key. */
  reencrypted: number;
  /** Values already sealed with the active key. */
  already_current: number;
  /** Values no key of the ring opens (their key was removed): left untouched. */
  undecryptable: number;
}

/** A table holding sealed values, able to re-seal them with the active key (in its own transaction). */
export interface SealedStore {
  reseal(box: SecretBox, actor: string): Promise<ResealCounts>;
}

export interface RotationReport extends ResealCounts {
  active_key_id: string;
  key_ids: string[];
  stores: Record<string, ResealCounts>;
}

/**
 * Re-encryption after a key rotation. Each module that keeps sealed values (settings, webhook secrets,
 * provider credentials) registers its store; POST /api/v1/settings/secrets/rotate re-seals all of them
 * with the active key, after which the old key may be removed from ARTENIC_SECRET_KEYS_PREVIOUS.
 */
@Injectable()
export class SecretRotation {
  private readonly logger = new Logger('SecretRotation');
  private readonly stores = new Map<string, SealedStore>();

  constructor(private readonly box: SecretBox) {}

  register(name: string, store: SealedStore): void {
    if (this.stores.has(name)) throw new Error(`sealed store ${name} is already registered`);
    this.stores.set(name, store);
  }

  async rotate(actor: string): Promise<RotationReport> {
    const report: RotationReport = {
      active_key_id: this.box.activeKeyId,
      key_ids: this.box.keyIds,
      stores: {},
      reencrypted: 0,
      already_current: 0,
      undecryptable: 0,
    };
    for (const [name, store] of this.stores) {
      const counts = await store.reseal(this.box, actor);
      report.stores[name] = counts;
      report.reencrypted += counts.reencrypted;
      report.already_current += counts.already_current;
      report.undecryptable += counts.undecryptable;
    }
    this.logger.log(
      `re-encrypted ${report.reencrypted} secret(s) with key ${report.active_key_id} (by ${actor}); ` +
        `${report.undecryptable} undecryptable`,
    );
    return report;
  }
}
