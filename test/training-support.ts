import { PeriodicTasks } from '@app/common/periodic/periodic-tasks';
import { EventStore } from '@app/events/event-store';
import { TRAINING_POLLER_TASK } from '@app/training/training-poller';
import { eventually } from './support/eventually';
import type { TestApp } from './support/test-app';

export interface JobBody {
  id: string;
  job_id: string;
  status: string;
  attempt: number;
  preemption_count: number;
  failure_count: number;
  cost_micros: number;
  currency: string;
  is_spot: boolean;
  requested_spot: boolean;
  region: string | null;
  error: string | null;
  progress: number | null;
  metrics: Record<string, number> | null;
  provider_job_id: string | null;
  model_version_id: string | null;
  registration_error: string | null;
  artifacts_uri: string | null;
  predicted_cost_p90_micros: number | null;
  completed_at: string | null;
  attempts: Array<{
    attempt: number;
    spot: boolean;
    status: string;
    cost_micros: number;
    resume_from: string | null;
    checkpoint_uri: string | null;
    region: string | null;
    provider: string;
  }>;
}

/** Small helpers for training e2e suites: dispatch, read, drive the poller, read events. */
export function trainingClient(t: TestApp) {
  const dispatch = async (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    t
      .http()
      .post('/api/v1/training/dispatch')
      .set(headers)
      .send({ service: 'svc', model: 'm', provider: 'mock', ...body });
  const job = async (id: string) => (await t.http().get(`/api/v1/training/${id}`)).body as JobBody;
  const tick = () => t.app.get(PeriodicTasks).runNow(TRAINING_POLLER_TASK);
  /** Drives poller ticks until the job reaches `status`. */
  const until = (id: string, status: string, timeoutMs = 8000) =>
    eventually(
      async () => {
        await tick();
        const current = await job(id);
        if (current.status !== status) throw new Error(`job is ${current.status}, waiting for ${status}`);
        return current;
      },
      { timeoutMs, intervalMs: 50 },
    );
  /** The `training` events of one job, oldest first. */
  const events = async (id: string) =>
    (await t.app.get(EventStore).readAfter(0, 100_000, ['training']))
      .filter((e) => e.subject === id)
      .map(
        (e) =>
          e.data as {
            status: string;
            previous_status: string;
            attempt: number;
            cost_so_far_micros: number;
            progress: number | null;
          },
      );
  return { dispatch, job, tick, until, events };
}
