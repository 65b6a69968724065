import { conflict } from '../common/errors/domain-error';

export const JOB_STATUSES = [
  'pending',
  'provisioning',
  'running',
  'preempted',
  'recovering',
  'completed',
  'failed',
  'cancelled',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];
/** Statuses the poller works on. */
export const ACTIVE_STATUSES: readonly JobStatus[] = [
  'pending',
  'provisioning',
  'running',
  'preempted',
  'recovering',
];

const ALLOWED: Record<JobStatus, readonly JobStatus[]> = {
  pending: ['provisioning', 'running', 'failed', 'cancelled'],
  provisioning: ['running', 'completed', 'failed', 'cancelled', 'preempted'],
  running: ['completed', 'failed', 'cancelled', 'preempted'],
  preempted: ['recovering', 'failed', 'cancelled'],
  recovering: ['running', 'completed', 'failed', 'cancelled', 'preempted'],
  completed: [],
  failed: [],
  cancelled: [],
};

export const isTerminal = (status: JobStatus): boolean => TERMINAL_STATUSES.includes(status);

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return ALLOWED[from].includes(to);
}

export function assertTransition(from: JobStatus, to: JobStatus): void {
  if (!canTransition(from, to)) {
    throw conflict('INVALID_TRANSITION', `A job cannot go from '${from}' to '${to}'.`, { from, to });
  }
}

/** The statuses from which `to` can be reached (used in guarded UPDATE … WHERE status IN (…)). */
export function sourcesOf(to: JobStatus): JobStatus[] {
  return JOB_STATUSES.filter((from) => ALLOWED[from].includes(to));
}
