import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/*
 * How other modules (budgets first) take part in training dispatch without training knowing them.
 *
 * - `DispatchAdmissions.register(admission)` (call it in your module's onModuleInit; TrainingModule exports
 *   DispatchAdmissions).
 * - `admission.admit(manager, draft)` runs INSIDE the dispatch transaction, BEFORE any provider call, after
 *   the job row was inserted (status `pending`) — so a reservation you write with `manager` commits or rolls
 *   back with the job. Throw a DomainError to refuse: `new DomainError('payment_required', 'BUDGET_EXCEEDED',
 *   …)` answers 402 and the job never exists.
 * - `admission.settle(manager, job)` runs INSIDE the transaction that moves a job to a terminal state
 *   (completed | failed | cancelled), with the final cost: release or settle your reservation there.
 *
 * Other exports of TrainingModule for budgets:
 * - `TrainingQueries.runningAttempts(): Promise<RunningAttemptCost[]>` (training-queries.ts) — every
 *   launched attempt that has not ended, with its hourly price (micros + currency), started_at (database
 *   clock) and the job's service/provider/project/user, for metering spend in flight.
 * - `TrainingService.cancel(jobId: string, reason: string, actor: string): Promise<TrainingJobDto>`
 *   (training.service.ts) — cancels a job (e.g. over budget); a finished job is a 409 `JOB_ALREADY_FINISHED`;
 *   settle() runs inside that cancel.
 * - Events on topic `training`, type `job.status_changed`, subject = job id, data: job_id, status,
 *   previous_status, service, model, provider, region, is_spot, attempt, preemption_count, failure_count,
 *   progress, cost_so_far_micros, currency, error.
 */

export interface DispatchDraft {
  job_id: string;
  service: string;
  model: string;
  provider: string;
  instance_type: string | null;
  region: string | null;
  spot: boolean;
  /** Predicted p90 cost of the whole job (all allowed attempts are NOT multiplied in), integer micros. */
  predicted_cost_p90_micros: number;
  currency: string;
  /** Upper bound on attempts (1 + allowed preemption retries). */
  allowed_attempts: number;
  /** From the request's `project` field, null when absent. */
  project: string | null;
  /** The authenticated actor who dispatched. */
  user: string;
}

export interface SettledJob {
  job_id: string;
  service: string;
  model: string;
  provider: string;
  status: 'completed' | 'failed' | 'cancelled';
  /** Total cost over every attempt, integer micros. */
  cost_micros: number;
  currency: string;
  project: string | null;
  user: string;
}

export interface DispatchAdmission {
  /** A short name for logs. */
  readonly name: string;
  admit(manager: EntityManager, draft: DispatchDraft): Promise<void>;
  settle(manager: EntityManager, job: SettledJob): Promise<void>;
}

export interface RunningAttemptCost {
  job_id: string;
  attempt: number;
  service: string;
  provider: string;
  project: string | null;
  user: string;
  instance_type: string | null;
  region: string | null;
  spot: boolean;
  /** Hourly price of this attempt's capacity, integer micros of `currency`. */
  hourly_price_micros: number;
  currency: string;
  started_at: Date;
}

/** The registered admissions, called in registration order. */
@Injectable()
export class DispatchAdmissions {
  private readonly admissions: DispatchAdmission[] = [];

  register(admission: DispatchAdmission): void {
    this.admissions.push(admission);
  }

  async admit(manager: EntityManager, draft: DispatchDraft): Promise<void> {
    for (const admission of this.admissions) await admission.admit(manager, draft);
  }

  async settle(manager: EntityManager, job: SettledJob): Promise<void> {
    for (const admission of this.admissions) await admission.settle(manager, job);
  }
}
