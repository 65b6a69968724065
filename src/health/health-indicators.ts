import { Injectable } from '@nestjs/common';

export interface ComponentHealth {
  status: 'up' | 'down' | 'degraded' | 'disabled';
  [detail: string]: unknown;
}

export type HealthContributor = () => ComponentHealth | Promise<ComponentHealth>;

/**
 * The port through which modules report into /health/detailed (providers, MLflow sync, plugins, drift
 * monitor …). A contributor that throws is reported as down, never as a failed request.
 */
@Injectable()
export class HealthIndicators {
  private readonly contributors = new Map<string, HealthContributor>();

  register(name: string, contributor: HealthContributor): void {
    this.contributors.set(name, contributor);
  }

  async collect(): Promise<Record<string, ComponentHealth>> {
    const entries = await Promise.all(
      [...this.contributors.entries()].map(async ([name, contributor]) => {
        try {
          return [name, await contributor()] as const;
        } catch (error) {
          return [
            name,
            { status: 'down', error: (error as Error).message } satisfies ComponentHealth,
          ] as const;
        }
      }),
    );
    return Object.fromEntries(entries);
  }
}
