import { TableColumn, type QueryRunner, type TableColumnOptions } from 'typeorm';

/*
 * The one place where physical column types differ between SQLite and PostgreSQL. Migrations describe
 * columns with these helpers and TypeORM's Table API, so each migration is written once for both.
 */
export type Dialect = 'postgres' | 'sqlite';

export function dialectOf(queryRunner: QueryRunner): Dialect {
  return queryRunner.connection.options.type === 'postgres' ? 'postgres' : 'sqlite';
}

type Col = Omit<TableColumnOptions, 'type' | 'name'>;

export class ColumnTypes {
  constructor(readonly dialect: Dialect) {}

  /** Auto-incrementing 64-bit primary key (monotonic allocation; see the outbox notes in events/). */
  serialPk(name = 'id'): TableColumnOptions {
    return this.dialect === 'postgres'
      ? { name, type: 'bigint', isPrimary: true, isGenerated: true, generationStrategy: 'increment' }
      : { name, type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' };
  }
  uuidPk(name = 'id'): TableColumnOptions {
    return { name, type: 'varchar', length: '36', isPrimary: true };
  }
  varchar(name: string, length: number, opts: Col = {}): TableColumnOptions {
    return { name, type: 'varchar', length: String(length), ...opts };
  }
  text(name: string, opts: Col = {}): TableColumnOptions {
    return { name, type: 'text', ...opts };
  }
  json(name: string, opts: Col = {}): TableColumnOptions {
    return { name, type: this.dialect === 'postgres' ? 'jsonb' : 'text', ...opts };
  }
  int(name: string, opts: Col = {}): TableColumnOptions {
    return { name, type: 'integer', ...opts };
  }
  bigint(name: string, opts: Col = {}): TableColumnOptions {
    return { name, type: 'bigint', ...opts };
  }
  double(name: string, opts: Col = {}): TableColumnOptions {
    return { name, type: this.dialect === 'postgres' ? 'double precision' : 'real', ...opts };
  }
  bool(name: string, opts: Col = {}): TableColumnOptions {
    return { name, type: 'boolean', ...opts };
  }
  timestamp(name: string, opts: Col & { defaultNow?: boolean } = {}): TableColumnOptions {
    const { defaultNow, ...rest } = opts;
    return {
      name,
      type: this.dialect === 'postgres' ? 'timestamptz' : 'datetime',
      ...(defaultNow ? { default: this.nowSql() } : {}),
      ...rest,
    };
  }
  /** Current time from the database clock, in the format the driver reads back as a UTC instant. */
  nowSql(): string {
    return this.dialect === 'postgres' ? 'now()' : "(strftime('%Y-%m-%d %H:%M:%f', 'now'))";
  }
  column(options: TableColumnOptions): TableColumn {
    return new TableColumn(options);
  }
}

export const columnTypes = (queryRunner: QueryRunner) => new ColumnTypes(dialectOf(queryRunner));
