import {
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { of, type Observable } from 'rxjs';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { rawRequest } from '../common/http/request-id';
import { TransactionRunner } from '../database/transaction-runner';
import { EventRelay } from '../events/event-relay';
import type { HeaderSink } from './paging-headers';

export interface RenderedPage {
  /** The JSON array as sent (bytes, so that sending it again costs no encoding). */
  body: Buffer;
  headers: Record<string, string>;
}

interface Entry extends RenderedPage {
  generation: number;
  expiresAt: number;
}

/** Distinct list URLs kept (a page of 1000 versions is about 400 KB). */
const MAX_PAGES = 32;

/**
 * Rendered pages of `GET /api/v1/models`, keyed by request URL. The registry is read far more than it is
 * written, and rendering a page (query, mapping, JSON) costs more than the rest of the request, so a page
 * is kept until anything may have changed it: every commit in this process (which covers the registry's
 * own writes before their response is sent) and every `lifecycle` event (which covers other replicas)
 * drops them all; `registry.list_cache_ms` bounds what neither sees.
 */
@Injectable()
export class ModelListCache implements OnModuleInit, OnModuleDestroy {
  private readonly pages = new Map<string, Entry>();
  private generation = 0;
  private readonly cleanup: Array<() => void> = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tx: TransactionRunner,
    private readonly relay: EventRelay,
  ) {}

  onModuleInit(): void {
    this.cleanup.push(this.tx.onAfterCommit(() => this.invalidate()));
    this.cleanup.push(this.relay.subscribe(['lifecycle'], () => this.invalidate()));
  }

  onModuleDestroy(): void {
    for (const undo of this.cleanup) undo();
  }

  /** Taken before reading: a page read across a change is not stored (its stamp is stale by then). */
  get stamp(): number {
    return this.generation;
  }

  lookup(key: string): RenderedPage | undefined {
    const entry = this.pages.get(key);
    if (!entry) return undefined;
    if (entry.generation === this.generation && entry.expiresAt > Date.now()) return entry;
    this.pages.delete(key);
    return undefined;
  }

  store(key: string, stamp: number, page: RenderedPage): void {
    const ttl = this.config.registry.list_cache_ms;
    if (ttl <= 0 || stamp !== this.generation) return;
    if (this.pages.size >= MAX_PAGES) this.pages.delete(this.pages.keys().next().value!);
    this.pages.set(key, { ...page, generation: stamp, expiresAt: Date.now() + ttl });
  }

  /** Registry writes that do not go through TransactionRunner call this after they complete. */
  invalidate(): void {
    this.generation += 1;
    this.pages.clear();
  }
}

/** The request URL (path and query) a list page is cached under, the same on both HTTP adapters. */
export const listCacheKey = (request: unknown): string => rawRequest(request).url ?? '';

/**
 * Answers a list request from the cache when it can. It runs after the guards (authentication and rate
 * limits still apply) and before validation, which a cached URL has already passed.
 */
@Injectable()
export class ModelListCacheInterceptor implements NestInterceptor {
  constructor(private readonly cache: ModelListCache) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const page = this.cache.lookup(listCacheKey(http.getRequest()));
    if (!page) return next.handle();
    const response = http.getResponse<HeaderSink>();
    for (const [name, value] of Object.entries(page.headers)) response.header(name, value);
    return of(page.body);
  }
}
