import { Column, Entity, PrimaryColumn } from 'typeorm';
import { MicrosColumn, TimestampColumn } from '../database/columns';

/** One row of the price catalogue: what an instance type costs per hour on a provider, in a region. */
@Entity({ name: 'provider_prices' })
export class ProviderPriceEntity {
  @PrimaryColumn({ type: 'varchar', length: 50 })
  provider!: string;

  @PrimaryColumn({ type: 'varchar', length: 100 })
  instance_type!: string;

  /** '' when the price is the same in every region. */
  @PrimaryColumn({ type: 'varchar', length: 100 })
  region!: string;

  @Column({ type: 'varchar', length: 3 })
  currency!: string;

  @MicrosColumn()
  on_demand_per_hour_micros!: number;

  @MicrosColumn({ nullable: true })
  spot_per_hour_micros!: number | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  gpu_type!: string | null;

  @Column({ type: 'integer', default: 0 })
  gpu_count!: number;

  @Column({ type: 'integer', nullable: true })
  vcpus!: number | null;

  @Column({ type: 'double precision', nullable: true })
  memory_gb!: number | null;

  @TimestampColumn()
  fetched_at!: Date;

  @Column({ type: 'boolean', default: false })
  stale!: boolean;

  @Column({ type: 'varchar', length: 200 })
  source!: string;

  @TimestampColumn()
  updated_at!: Date;
}
