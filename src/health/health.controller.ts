import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { Public } from '../common/auth/public.decorator';
import { Lifecycle } from '../common/lifecycle';
import { PeriodicTasks } from '../common/periodic/periodic-tasks';
import { DatabaseProbe } from '../database/database-probe';
import { EventRelay } from '../events/event-relay';
import { EventsGateway } from '../events/events.gateway';
import { PLATFORM_VERSION } from '../version';
import { DetailedHealthDto, ReadinessDto } from './health.dto';
import { HealthIndicators } from './health-indicators';

interface StatusResponse {
  status: (code: number) => unknown;
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly lifecycle: Lifecycle,
    private readonly database: DatabaseProbe,
    private readonly relay: EventRelay,
    private readonly gateway: EventsGateway,
    private readonly tasks: PeriodicTasks,
    private readonly indicators: HealthIndicators,
  ) {}

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: the database answers and the instance is not shutting down' })
  @ApiOkResponse({ type: ReadinessDto })
  @ApiServiceUnavailableResponse({ type: ReadinessDto })
  async readiness(@Res({ passthrough: true }) response: StatusResponse): Promise<ReadinessDto> {
    const probe = await this.database.check();
    const database = probe.ok ? 'connected' : 'disconnected';
    if (this.lifecycle.draining || !probe.ok) {
      response.status(HttpStatus.SERVICE_UNAVAILABLE);
      return {
        status: 'not_ready',
        database,
        reason: this.lifecycle.draining ? 'shutting down' : probe.error,
      };
    }
    return { status: 'ready', database };
  }

  @Get('detailed')
  @ApiOperation({ summary: 'Every component: database, event relay, background loops, providers, plugins…' })
  @ApiOkResponse({ type: DetailedHealthDto })
  @ApiServiceUnavailableResponse({ type: DetailedHealthDto })
  async detailed(@Res({ passthrough: true }) response: StatusResponse): Promise<DetailedHealthDto> {
    const [probe, contributed] = await Promise.all([this.database.check(), this.indicators.collect()]);
    const loops = this.tasks.statuses();
    const degraded =
      !probe.ok ||
      this.lifecycle.draining ||
      Object.values(contributed).some((c) => c.status === 'down' || c.status === 'degraded');
    if (!probe.ok || this.lifecycle.draining) response.status(HttpStatus.SERVICE_UNAVAILABLE);
    return {
      status: degraded ? 'degraded' : 'healthy',
      version: PLATFORM_VERSION,
      instance_id: this.config.instance_id,
      uptime_seconds: Math.round((Date.now() - this.lifecycle.startedAt) / 1000),
      components: {
        version: PLATFORM_VERSION,
        database: probe.ok ? 'connected' : 'disconnected',
        database_detail: { kind: this.database.kind, latency_ms: probe.latency_ms, error: probe.error },
        event_relay: { ...this.relay.status(), websocket_clients: this.gateway.connectedClients },
        background_loops: loops,
        draining: this.lifecycle.draining,
        ...contributed,
      },
    };
  }
}
