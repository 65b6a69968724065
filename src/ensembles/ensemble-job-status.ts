/*
 * The status of an ensemble training job, computed from its member training jobs:
 *   pending   every member is still pending;
 *   running   members have started and at least one is not finished;
 *   completed every member completed;
 *   failed    every member failed or was cancelled;
 *   partial   every member finished, some completed and some did not.
 */

export const ENSEMBLE_JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'partial'] as const;
export type EnsembleJobStatus = (typeof ENSEMBLE_JOB_STATUSES)[number];

export interface MemberJob {
  status: string;
  cost_actual_eur: number | null;
  completed_at: string | null;
}

export interface EnsembleJobAggregate {
  status: EnsembleJobStatus;
  completed_models: number;
  failed_models: number;
  total_cost_eur: number;
  /** When the last member finished, once they all have. */
  completed_at: Date | null;
}

const UNSUCCESSFUL = new Set(['failed', 'cancelled']);

export function aggregateMembers(members: readonly MemberJob[]): EnsembleJobAggregate {
  const completed = members.filter((m) => m.status === 'completed').length;
  const failed = members.filter((m) => UNSUCCESSFUL.has(m.status)).length;
  const finished = completed + failed === members.length;
  const costCents = members.reduce((sum, m) => sum + Math.round((m.cost_actual_eur ?? 0) * 100), 0);
  return {
    status: statusOf(members, completed, failed, finished),
    completed_models: completed,
    failed_models: failed,
    total_cost_eur: costCents / 100,
    completed_at: finished ? lastCompletion(members) : null,
  };
}

function statusOf(
  members: readonly MemberJob[],
  completed: number,
  failed: number,
  finished: boolean,
): EnsembleJobStatus {
  if (finished) {
    if (failed === 0) return 'completed';
    return completed === 0 ? 'failed' : 'partial';
  }
  return members.every((m) => m.status === 'pending') ? 'pending' : 'running';
}

function lastCompletion(members: readonly MemberJob[]): Date | null {
  const times = members.map((m) => (m.completed_at ? Date.parse(m.completed_at) : NaN));
  const known = times.filter((t) => !Number.isNaN(t));
  return known.length > 0 ? new Date(Math.max(...known)) : new Date();
}
