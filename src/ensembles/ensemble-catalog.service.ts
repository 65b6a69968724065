import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, FindOptionsWhere, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { conflict, notFound } from '../common/errors/domain-error';
import { TransactionRunner } from '../database/transaction-runner';
import { EventOutbox } from '../events/event-outbox';
import { EnsembleEntity, EnsembleVersionEntity } from './ensemble.entities';
import { EnsembleDefinitions, type EnsembleDefinition } from './ensemble-definition';
import type {
  CreateEnsembleRequestDto,
  ListEnsemblesQueryDto,
  UpdateEnsembleRequestDto,
} from './ensembles.dto';

export interface EnsembleState {
  ensemble: EnsembleEntity;
  version: EnsembleVersionEntity;
}

const definitionOf = (v: EnsembleVersionEntity): EnsembleDefinition => ({
  model_ids: v.model_ids,
  strategy: v.strategy as EnsembleDefinition['strategy'],
  strategy_config: v.strategy_config,
  timeout_ms: v.timeout_ms,
  quorum: v.quorum,
});

/**
 * Ensembles and their immutable versions. Id: `{service}_{name}` (the reference's permanent `_v1` suffix
 * misled: the id never changes, the version does). An update that changes behaviour (members, strategy,
 * options, deadline, quorum) appends version N+1; one that changes only name, description or stage does not.
 */
@Injectable()
export class EnsembleCatalog {
  constructor(
    @InjectRepository(EnsembleEntity) private readonly ensembles: Repository<EnsembleEntity>,
    @InjectRepository(EnsembleVersionEntity) private readonly versions: Repository<EnsembleVersionEntity>,
    private readonly definitions: EnsembleDefinitions,
    private readonly tx: TransactionRunner,
    private readonly outbox: EventOutbox,
  ) {}

  async create(body: CreateEnsembleRequestDto, actor: string): Promise<EnsembleState> {
    const definition = await this.definitions.pin(body);
    const id = `${body.service}_${body.name}`;
    return this.tx.run(async (m) => {
      const clash = await m.findOne(EnsembleEntity, {
        where: [{ id }, { service: body.service, name: body.name }],
      });
      if (clash)
        throw conflict('ENSEMBLE_EXISTS', `ensemble ${clash.id} already exists`, { ensemble_id: clash.id });
      const now = new Date();
      const ensemble = m.create(EnsembleEntity, {
        id,
        name: body.name,
        service: body.service,
        description: body.description ?? '',
        stage: 'registered',
        enabled: true,
        version: 1,
        created_at: now,
        updated_at: null,
      });
      await m.insert(EnsembleEntity, ensemble);
      const version = await this.appendVersion(m, id, 1, definition, 'Initial creation', actor);
      await this.outbox.append(m, {
        topic: 'ensemble',
        type: 'ensemble.created',
        subject: id,
        data: { ensemble_id: id, service: body.service, version: 1, ...definition, actor },
      });
      return { ensemble, version };
    });
  }

  async list(q: ListEnsemblesQueryDto): Promise<EnsembleState[]> {
    const where: FindOptionsWhere<EnsembleEntity> = {};
    if (q.service) where.service = q.service;
    if (q.stage) where.stage = q.stage;
    const rows = await this.ensembles.find({
      where,
      order: { created_at: 'DESC', id: 'ASC' },
      take: q.limit,
      skip: q.offset,
    });
    return Promise.all(
      rows.map(async (e) => ({ ensemble: e, version: await this.versionOf(e.id, e.version) })),
    );
  }

  async get(id: string): Promise<EnsembleState> {
    const ensemble = await this.ensembles.findOne({ where: { id } });
    if (!ensemble) throw notFound('ENSEMBLE_NOT_FOUND', `ensemble ${id} not found`, { ensemble_id: id });
    return { ensemble, version: await this.versionOf(id, ensemble.version) };
  }

  async versionOf(id: string, version: number): Promise<EnsembleVersionEntity> {
    const row = await this.versions.findOne({ where: { ensemble_id: id, version } });
    if (!row)
      throw notFound('ENSEMBLE_VERSION_NOT_FOUND', `ensemble ${id} has no version ${version}`, {
        ensemble_id: id,
        version,
      });
    return row;
  }

  async history(id: string, limit: number): Promise<EnsembleVersionEntity[]> {
    await this.get(id);
    return this.versions.find({ where: { ensemble_id: id }, order: { version: 'DESC' }, take: limit });
  }

  async update(id: string, body: UpdateEnsembleRequestDto, actor: string): Promise<EnsembleState> {
    const current = await this.get(id);
    const before = definitionOf(current.version);
    const next = await this.definitions.pin({
      model_ids: body.model_ids ?? before.model_ids,
      strategy: body.strategy ?? before.strategy,
      strategy_config: body.strategy_config ?? before.strategy_config,
      timeout_ms: body.timeout_ms ?? before.timeout_ms,
      quorum: body.quorum ?? (body.model_ids ? undefined : before.quorum),
    });
    return this.tx.run(async (m) => {
      const ensemble = await m.findOne(EnsembleEntity, { where: { id } });
      if (!ensemble) throw notFound('ENSEMBLE_NOT_FOUND', `ensemble ${id} not found`, { ensemble_id: id });
      if (ensemble.version !== current.ensemble.version) {
        throw conflict('ENSEMBLE_CHANGED', `ensemble ${id} was updated concurrently; retry`, {
          ensemble_id: id,
        });
      }
      const bump = !this.definitions.same(before, next);
      const stageChanged = body.stage !== undefined && body.stage !== ensemble.stage;
      if (body.stage === 'production' && stageChanged) await this.demoteOthers(m, ensemble);
      const changes: Partial<EnsembleEntity> = {
        name: body.name ?? ensemble.name,
        description: body.description ?? ensemble.description,
        stage: body.stage ?? ensemble.stage,
        version: bump ? ensemble.version + 1 : ensemble.version,
        updated_at: new Date(),
      };
      const updated = await m
        .createQueryBuilder()
        .update(EnsembleEntity)
        .set(changes)
        .where('id = :id AND version = :version', { id, version: ensemble.version })
        .execute();
      if (updated.affected === 0)
        throw conflict('ENSEMBLE_CHANGED', `ensemble ${id} was updated concurrently; retry`);
      Object.assign(ensemble, changes);
      const version = bump
        ? await this.appendVersion(m, id, ensemble.version, next, body.change_reason ?? '', actor)
        : current.version;
      await this.outbox.append(m, {
        topic: 'ensemble',
        type: 'ensemble.updated',
        subject: id,
        data: {
          ensemble_id: id,
          version: ensemble.version,
          version_created: bump,
          stage: ensemble.stage,
          actor,
        },
      });
      return { ensemble, version };
    });
  }

  /** One ensemble answers a service at a time: promoting one sends the previous one back to registered. */
  private async demoteOthers(m: EntityManager, ensemble: EnsembleEntity): Promise<void> {
    const others = await m.find(EnsembleEntity, {
      where: { service: ensemble.service, stage: 'production' },
    });
    for (const other of others.filter((o) => o.id !== ensemble.id)) {
      await m.update(EnsembleEntity, { id: other.id }, { stage: 'registered', updated_at: new Date() });
      await this.outbox.append(m, {
        topic: 'ensemble',
        type: 'ensemble.updated',
        subject: other.id,
        data: { ensemble_id: other.id, version: other.version, version_created: false, stage: 'registered' },
      });
    }
  }

  private async appendVersion(
    m: EntityManager,
    ensembleId: string,
    version: number,
    d: EnsembleDefinition,
    reason: string,
    actor: string,
  ): Promise<EnsembleVersionEntity> {
    const row = m.create(EnsembleVersionEntity, {
      id: randomUUID(),
      ensemble_id: ensembleId,
      version,
      ...d,
      change_reason: reason,
      created_by: actor,
      created_at: new Date(),
    });
    await m.insert(EnsembleVersionEntity, row as QueryDeepPartialEntity<EnsembleVersionEntity>);
    return row;
  }
}
