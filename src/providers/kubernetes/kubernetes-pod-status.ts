import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { MachineView } from '@app/providers/bootstrap/vm-run';

/**
 * Reasons a pod was taken away rather than failing on its own: the `DisruptionTarget` condition Kubernetes
 * adds before deleting a pod (preemption, taint eviction, API eviction, kubelet termination), and the
 * graceful node shutdown reasons of spot/preemptible nodes.
 */
const SHUTDOWN_REASONS = new Set(['Shutdown', 'NodeShutdown', 'Terminated']);
/** Waiting reasons that never clear by themselves: the run cannot start. */
const FATAL_WAITING = new Set([
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
]);

function isTrue(conditions: Array<{ type: string; status: string }> | undefined, type: string): boolean {
  return (conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

export function disruptionOf(pod: V1Pod): string | null {
  const condition = (pod.status?.conditions ?? []).find(
    (c) => c.type === 'DisruptionTarget' && c.status === 'True',
  );
  if (condition) return `DisruptionTarget ${condition.reason ?? ''} ${condition.message ?? ''}`.trim();
  const reason = pod.status?.reason ?? '';
  if (SHUTDOWN_REASONS.has(reason)) return `${reason} ${pod.status?.message ?? ''}`.trim();
  return null;
}

function containerDetail(pod: V1Pod): { waiting: string | null; terminated: string | null } {
  const state = pod.status?.containerStatuses?.[0]?.state;
  const t = state?.terminated;
  return {
    waiting: state?.waiting?.reason ?? null,
    terminated: t ? `${t.reason ?? 'terminated'} (exit ${t.exitCode})` : null,
  };
}

/**
 * What the cluster says about one attempt, for `resolveVmStatus` (where the status marker still wins): the
 * Job's conditions and its newest pod's phase, with a disruption reported as an interruption.
 */
export function podView(job: V1Job, pods: V1Pod[]): MachineView {
  const disrupted = pods.map(disruptionOf).find((d): d is string => d !== null);
  if (disrupted) return { phase: 'stopped', preempted: true, detail: disrupted };
  const conditions = job.status?.conditions;
  const failedCondition = (conditions ?? []).find((c) => c.type === 'Failed' && c.status === 'True');
  const pod = [...pods].sort(
    (a, b) =>
      new Date(b.metadata?.creationTimestamp ?? 0).getTime() -
      new Date(a.metadata?.creationTimestamp ?? 0).getTime(),
  )[0];
  const container = pod ? containerDetail(pod) : { waiting: null, terminated: null };
  if (isTrue(conditions, 'Complete')) return { phase: 'stopped', preempted: false, detail: 'Job complete' };
  if (failedCondition) {
    const why = [failedCondition.reason, failedCondition.message, container.terminated].filter(Boolean);
    return { phase: 'stopped', preempted: false, detail: `Job failed: ${why.join(' ')}` };
  }
  if (!pod) return { phase: 'provisioning', preempted: false, detail: 'no pod yet' };
  const phase = pod.status?.phase ?? 'Pending';
  if (phase === 'Pending') {
    if (container.waiting && FATAL_WAITING.has(container.waiting)) {
      return { phase: 'stopped', preempted: false, detail: `pod cannot start: ${container.waiting}` };
    }
    return {
      phase: 'provisioning',
      preempted: false,
      detail: `pod Pending ${container.waiting ?? ''}`.trim(),
    };
  }
  if (phase === 'Running') return { phase: 'running', preempted: false, detail: 'pod Running' };
  // Succeeded/Failed before the Job controller noticed: the marker (being uploaded) decides on a later poll.
  return { phase: 'stopping', preempted: false, detail: `pod ${phase} ${container.terminated ?? ''}`.trim() };
}
