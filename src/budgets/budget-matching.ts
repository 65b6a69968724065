import type { EntityManager } from 'typeorm';
import { BudgetEntity } from './budget.entities';

/** What a job is matched on: the scope values it carries. */
export interface JobScope {
  service: string;
  provider: string;
  project: string | null;
  user: string;
}

/** Enabled budgets that apply to a job: global ones plus those naming its service, provider, project or user. */
export async function matchingBudgets(manager: EntityManager, job: JobScope): Promise<BudgetEntity[]> {
  const qb = manager
    .getRepository(BudgetEntity)
    .createQueryBuilder('b')
    .where('b.enabled = :enabled', { enabled: true })
    .andWhere(
      `(b.scope = 'global'
        OR (b.scope = 'service' AND b.scope_value = :service)
        OR (b.scope = 'provider' AND b.scope_value = :provider)
        ${job.project === null ? '' : "OR (b.scope = 'project' AND b.scope_value = :project)"}
        OR (b.scope = 'user' AND b.scope_value = :user))`,
      { service: job.service, provider: job.provider, project: job.project, user: job.user },
    )
    .orderBy('b.id', 'ASC');
  return qb.getMany();
}

export function budgetMatches(budget: BudgetEntity, job: JobScope): boolean {
  switch (budget.scope) {
    case 'global':
      return true;
    case 'service':
      return budget.scope_value === job.service;
    case 'provider':
      return budget.scope_value === job.provider;
    case 'project':
      return job.project !== null && budget.scope_value === job.project;
    case 'user':
      return budget.scope_value === job.user;
  }
}
