import type { AbTestEntity } from './ab-test.entities';
import type { TestDto } from './ab-testing.dto';

export function toTestDto(t: AbTestEntity): TestDto {
  return {
    id: t.id,
    name: t.name,
    service: t.service,
    status: t.status,
    variants: t.variants,
    control: t.control,
    primary_metric: t.primary_metric,
    metric_direction: t.metric_direction,
    guardrails: t.guardrails,
    significance_level: t.significance_level,
    min_samples: t.min_samples,
    expected_effect_size: t.expected_effect_size,
    auto_conclude: t.auto_conclude,
    auto_promote: t.auto_promote,
    promote_alias: t.promote_alias,
    winner: t.winner,
    conclusion_reason: t.conclusion_reason,
    promotion: t.promotion as Record<string, unknown> | null,
    created_at: t.created_at.toISOString(),
    concluded_at: t.concluded_at ? t.concluded_at.toISOString() : null,
  };
}
