import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ModelAliases } from './model-aliases.service';
import { ModelLifecycle } from './model-lifecycle.service';
import type { ModelVersionView } from './model-registry.port';
import { toVersionView } from './model-version.mapper';

export interface PromoteOptions {
  reason?: string;
  /** Archive the displaced production version even if something still references it (recorded). */
  force?: boolean;
}

/**
 * Stage and alias moves for other modules (A/B conclusions), with the same rules, ledger entries and
 * `lifecycle` events as the HTTP API. Given an EntityManager, the move joins that transaction: it commits
 * or rolls back with the caller's own changes.
 */
@Injectable()
export class ModelPromotions {
  constructor(
    private readonly lifecycle: ModelLifecycle,
    private readonly aliases: ModelAliases,
  ) {}

  /** Promotes `ref` (`name_vX` or `name@alias`); going to production archives the previous holder. */
  async promote(
    ref: string,
    to: 'staging' | 'production',
    opts: PromoteOptions,
    actor: string,
    manager?: EntityManager,
  ): Promise<ModelVersionView> {
    return toVersionView(await this.lifecycle.promote(ref, to, opts, actor, manager));
  }

  /** Points `name@alias` at `version` (created or moved). */
  async setAlias(
    name: string,
    alias: string,
    version: string,
    opts: { reason?: string },
    actor: string,
    manager?: EntityManager,
  ): Promise<void> {
    await this.aliases.set(name, alias, version, opts.reason ?? '', actor, manager);
  }
}
