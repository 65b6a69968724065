import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'artenic:public';

/** Marks a route as reachable without an API key and outside the rate limit (health probes). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
