import { Foundation1764230400000 } from './1764230400000-foundation';

/** Every migration, in order. Each domain appends its own. */
export const ALL_MIGRATIONS = [Foundation1764230400000];
