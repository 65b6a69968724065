import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from '../database/columns';
import type { ModelStage } from './model-registry.port';

export type LedgerAction = 'register' | 'stage' | 'alias_set' | 'alias_deleted';

/** One append-only row of the promotion ledger: a stage change or an alias move. */
@Entity({ name: 'promotions' })
export class PromotionEntity {
  @PrimaryGeneratedColumn('increment')
  id!: number | string;

  @Column({ type: 'varchar', length: 255 })
  model_id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 50 })
  version!: string;

  @Column({ type: 'varchar', length: 20 })
  action!: LedgerAction;

  @Column({ type: 'varchar', length: 20, nullable: true })
  from_stage!: ModelStage | null;

  @Column({ type: 'varchar', length: 20, nullable: true })
  to_stage!: ModelStage | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  alias!: string | null;

  /** Alias moves: the version the alias pointed at before. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  previous_model_id!: string | null;

  @Column({ type: 'varchar', length: 200 })
  actor!: string;

  @Column({ type: 'text', default: '' })
  reason!: string;

  /** The retire guard was overridden; `referenced_by` holds what still referenced the version. */
  @Column({ type: 'boolean', default: false })
  forced!: boolean;

  @JsonColumn({ nullable: true })
  referenced_by!: ModelReferenceView[] | null;

  @TimestampColumn()
  promoted_at!: Date;
}

export interface ModelReferenceView {
  kind: string;
  id: string;
  description: string;
}
