import type { AppConfig } from '../config/app-config.schema';

export type SettingType = 'str' | 'int' | 'float' | 'bool' | 'list[str]';
export type SettingValue = string | number | boolean | string[];

/** `live`: applied to the running components of every replica on change; `restart`: read at start. */
export type ApplyMode = 'live' | 'restart';

export interface SettingField {
  key: string;
  label: string;
  type: SettingType;
  description: string;
  /** The boot configuration's value (environment or built-in default). */
  fromConfig: (config: AppConfig) => SettingValue;
  min?: number;
  max?: number;
  choices?: readonly string[];
  secret?: boolean;
  apply: ApplyMode;
  /** A background loop whose interval this field sets (PeriodicTasks.reschedule). */
  task?: { name: string; unit: 'ms' | 'seconds' };
}

export interface SettingSection {
  name: string;
  label: string;
  description: string;
  fields: SettingField[];
}

export const GLOBAL_SCOPE = 'global';

/*
 * What a running platform tunes. Infrastructure that cannot change under a running process (bind
 * address, database URL, the encryption key itself, API keys, CORS) stays in the environment: storing
 * the database URL in the database or the key in what it encrypts (as the original did) helps no one.
 */
type F = Omit<SettingField, 'type'>;
const int = (f: F): SettingField => ({ type: 'int', ...f });
const float = (f: F): SettingField => ({ type: 'float', ...f });
const bool = (f: F): SettingField => ({ type: 'bool', ...f });
const str = (f: F): SettingField => ({ type: 'str', ...f });
const list = (f: F): SettingField => ({ type: 'list[str]', ...f });

const DAY = 86_400;

export const SETTINGS_SCHEMA: Record<string, SettingSection[]> = {
  [GLOBAL_SCOPE]: [
    {
      name: 'rate_limit',
      label: 'Rate Limiting',
      description: 'API rate limiting per client (API key, else IP)',
      fields: [
        int({
          key: 'per_minute',
          label: 'Requests/min',
          description: 'Sustained requests per minute per client; 0 disables limiting',
          fromConfig: (c) => c.rate_limit_per_minute,
          min: 0,
          max: 10_000_000,
          apply: 'live',
        }),
        int({
          key: 'burst',
          label: 'Burst',
          description: 'Requests a client may spend at once',
          fromConfig: (c) => c.rate_limit_burst,
          min: 1,
          max: 1_000_000,
          apply: 'live',
        }),
      ],
    },
    {
      name: 'events',
      label: 'Events',
      description: 'Event relay (WebSocket, webhooks, in-process subscribers)',
      fields: [
        int({
          key: 'poll_interval_ms',
          label: 'Fallback poll (ms)',
          description: 'Fallback poll of the outbox when no notification arrives',
          fromConfig: (c) => c.events.poll_interval_ms,
          min: 20,
          max: 60_000,
          apply: 'live',
          task: { name: 'events.relay', unit: 'ms' },
        }),
      ],
    },
    {
      name: 'budget',
      label: 'Budget',
      description: 'Budget governance',
      fields: [
        bool({
          key: 'enabled',
          label: 'Enabled',
          description: 'Enforce budgets at dispatch',
          fromConfig: (c) => c.budget.enabled,
          apply: 'live',
        }),
        str({
          key: 'enforcement_mode',
          label: 'Enforcement Mode',
          description: 'Block or warn when a budget would be exceeded',
          fromConfig: (c) => c.budget.enforcement_mode,
          choices: ['block', 'warn'],
          apply: 'live',
        }),
        float({
          key: 'alert_threshold_pct',
          label: 'Alert Threshold %',
          description: 'Alert when spending reaches this % of a budget',
          fromConfig: (c) => c.budget.alert_threshold_pct,
          min: 0,
          max: 100,
          apply: 'live',
        }),
        float({
          key: 'metering_interval_seconds',
          label: 'Metering Interval (s)',
          description: 'How often running jobs are metered',
          fromConfig: (c) => c.budget.metering_interval_seconds,
          min: 1,
          max: 60,
          apply: 'live',
          task: { name: 'budgets.metering', unit: 'seconds' },
        }),
      ],
    },
    {
      name: 'training',
      label: 'Training',
      description: 'Training job polling',
      fields: [
        int({
          key: 'poll_interval_ms',
          label: 'Poll Interval (ms)',
          description: 'How often due jobs are polled',
          fromConfig: (c) => c.training.poll_interval_ms,
          min: 20,
          max: 3_600_000,
          apply: 'live',
          task: { name: 'training.poller', unit: 'ms' },
        }),
        float({
          key: 'status_interval_seconds',
          label: 'Status Interval (s)',
          description: 'Seconds between two status polls of a job that did not change',
          fromConfig: (c) => c.training.status_interval_seconds,
          min: 0,
          max: DAY,
          apply: 'live',
        }),
      ],
    },
    {
      name: 'providers',
      label: 'Providers',
      description: 'Training provider enablement',
      fields: [
        list({
          key: 'disabled',
          label: 'Disabled Providers',
          description:
            'Registered providers refused at dispatch (e.g. ["aws"]); running jobs are still polled',
          fromConfig: () => [],
          apply: 'live',
        }),
      ],
    },
    {
      name: 'webhook',
      label: 'Webhook',
      description: 'Webhook notifications',
      fields: [
        bool({
          key: 'enabled',
          label: 'Enabled',
          description: 'Enable webhooks',
          fromConfig: (c) => c.webhook.enabled,
          apply: 'live',
        }),
        str({
          key: 'url',
          label: 'URL',
          description: 'Default webhook endpoint URL',
          fromConfig: (c) => c.webhook.url,
          apply: 'live',
        }),
        str({
          key: 'secret',
          label: 'Secret',
          description: 'HMAC signing secret',
          fromConfig: (c) => c.webhook.secret,
          secret: true,
          apply: 'live',
        }),
        float({
          key: 'timeout_seconds',
          label: 'Timeout (s)',
          description: 'Request timeout in seconds',
          fromConfig: (c) => c.webhook.timeout_seconds,
          min: 0.1,
          max: 300,
          apply: 'live',
        }),
        int({
          key: 'retry_count',
          label: 'Retry Count',
          description: 'Delivery attempts after the first before dead-lettering',
          fromConfig: (c) => c.webhook.retry_count,
          min: 0,
          max: 50,
          apply: 'live',
        }),
        bool({
          key: 'allow_private_targets',
          label: 'Allow Private Targets',
          description: 'Allow loopback/private network receivers',
          fromConfig: (c) => c.webhook.allow_private_targets,
          apply: 'live',
        }),
      ],
    },
    {
      name: 'spot',
      label: 'Spot Instances',
      description: 'Spot/preemptible instance settings',
      fields: [
        bool({
          key: 'enabled',
          label: 'Enabled',
          description: 'Enable spot instances',
          fromConfig: (c) => c.spot.enabled,
          apply: 'live',
        }),
        bool({
          key: 'prefer_spot',
          label: 'Prefer Spot',
          description: 'Prefer spot over on-demand',
          fromConfig: (c) => c.spot.prefer_spot,
          apply: 'live',
        }),
        int({
          key: 'max_preemption_retries',
          label: 'Max Retries',
          description: 'Max preemption retry count',
          fromConfig: (c) => c.spot.max_preemption_retries,
          min: 0,
          max: 100,
          apply: 'live',
        }),
        list({
          key: 'failover_regions',
          label: 'Failover Regions',
          description: 'Fallback regions on preemption',
          fromConfig: (c) => c.spot.failover_regions,
          apply: 'live',
        }),
        bool({
          key: 'checkpoint_before_resume',
          label: 'Checkpoint Before Resume',
          description: 'Resume a preempted job from its last checkpoint',
          fromConfig: (c) => c.spot.checkpoint_before_resume,
          apply: 'live',
        }),
      ],
    },
    {
      name: 'ensemble',
      label: 'Ensemble',
      description: 'Ensemble model management',
      fields: [
        bool({
          key: 'enabled',
          label: 'Enabled',
          description: 'Enable ensembles',
          fromConfig: (c) => c.ensemble.enabled,
          apply: 'live',
        }),
        int({
          key: 'max_models_per_ensemble',
          label: 'Max Models',
          description: 'Max models per ensemble',
          fromConfig: (c) => c.ensemble.max_models_per_ensemble,
          min: 1,
          max: 1000,
          apply: 'live',
        }),
        bool({
          key: 'auto_prune_enabled',
          label: 'Auto Prune',
          description: 'Automatically prune underperforming models',
          fromConfig: (c) => c.ensemble.auto_prune_enabled,
          apply: 'live',
        }),
        float({
          key: 'prune_weight_threshold',
          label: 'Prune Weight',
          description: 'Members weighted below this are pruned',
          fromConfig: (c) => c.ensemble.prune_weight_threshold,
          min: 0,
          max: 1,
          apply: 'live',
        }),
        int({
          key: 'prune_min_models',
          label: 'Prune Min Models',
          description: 'Models kept at least after pruning',
          fromConfig: (c) => c.ensemble.prune_min_models,
          min: 1,
          max: 1000,
          apply: 'live',
        }),
      ],
    },
    {
      name: 'ab_test',
      label: 'A/B Testing',
      description: 'A/B test configuration',
      fields: [
        bool({
          key: 'enabled',
          label: 'Enabled',
          description: 'Enable A/B testing',
          fromConfig: (c) => c.ab_test.enabled,
          apply: 'live',
        }),
        int({
          key: 'default_min_samples',
          label: 'Min Samples',
          description: 'Default minimum samples per variant',
          fromConfig: (c) => c.ab_test.default_min_samples,
          min: 1,
          max: 1_000_000_000,
          apply: 'live',
        }),
        int({
          key: 'max_concurrent_tests',
          label: 'Max Concurrent',
          description: 'Max concurrent A/B tests',
          fromConfig: (c) => c.ab_test.max_concurrent_tests,
          min: 1,
          max: 10_000,
          apply: 'live',
        }),
      ],
    },
    {
      name: 'health',
      label: 'Health Monitoring',
      description: 'Model health and drift detection',
      fields: [
        bool({
          key: 'enabled',
          label: 'Enabled',
          description: 'Enable health monitoring',
          fromConfig: (c) => c.health.enabled,
          apply: 'live',
        }),
        float({
          key: 'check_interval_seconds',
          label: 'Check Interval (s)',
          description: 'Health check interval in seconds',
          fromConfig: (c) => c.health.check_interval_seconds,
          min: 1,
          max: DAY,
          apply: 'live',
          task: { name: 'monitoring.health', unit: 'seconds' },
        }),
        float({
          key: 'drift_threshold',
          label: 'Drift Threshold',
          description: 'Drift score above which a model is flagged',
          fromConfig: (c) => c.health.drift_threshold,
          min: 0.0001,
          max: 1000,
          apply: 'live',
        }),
        float({
          key: 'degradation_pct',
          label: 'Degradation %',
          description: 'Metric drop (%) that counts as degradation',
          fromConfig: (c) => c.health.degradation_pct,
          min: 0,
          max: 100,
          apply: 'live',
        }),
        int({
          key: 'retention_days',
          label: 'Retention (days)',
          description: 'Days of health records kept',
          fromConfig: (c) => c.health.retention_days,
          min: 1,
          max: 3650,
          apply: 'live',
        }),
      ],
    },
    {
      name: 'canary',
      label: 'Canary Deployment',
      description: 'Canary deployment settings',
      fields: [
        bool({
          key: 'enabled',
          label: 'Enabled',
          description: 'Enable canary deployments',
          fromConfig: (c) => c.canary.enabled,
          apply: 'live',
        }),
        float({
          key: 'initial_traffic_pct',
          label: 'Initial Traffic %',
          description: 'Initial canary traffic percentage',
          fromConfig: (c) => c.canary.initial_traffic_pct,
          min: 0,
          max: 100,
          apply: 'live',
        }),
        float({
          key: 'evaluation_window_seconds',
          label: 'Eval Window (s)',
          description: 'Evaluation window in seconds',
          fromConfig: (c) => c.canary.evaluation_window_seconds,
          min: 1,
          max: 30 * DAY,
          apply: 'live',
        }),
        float({
          key: 'auto_promote_threshold',
          label: 'Promote Threshold',
          description: 'Success ratio at which a canary is promoted',
          fromConfig: (c) => c.canary.auto_promote_threshold,
          min: 0,
          max: 1,
          apply: 'live',
        }),
        float({
          key: 'auto_rollback_threshold',
          label: 'Rollback Threshold',
          description: 'Success ratio under which a canary is rolled back',
          fromConfig: (c) => c.canary.auto_rollback_threshold,
          min: 0,
          max: 1,
          apply: 'live',
        }),
      ],
    },
    {
      name: 'local',
      label: 'Local Provider',
      description: 'Training jobs run as subprocesses on this machine',
      fields: [
        int({
          key: 'max_concurrent_jobs',
          label: 'Max Concurrent Jobs',
          description: 'Local jobs running at once',
          fromConfig: (c) => c.local.max_concurrent_jobs,
          min: 1,
          max: 1024,
          apply: 'restart',
        }),
        float({
          key: 'default_timeout_hours',
          label: 'Default Timeout (h)',
          description: 'Timeout of a local job that names none',
          fromConfig: (c) => c.local.default_timeout_hours,
          min: 0.001,
          max: 720,
          apply: 'live',
        }),
      ],
    },
  ],
};

export function scopeSections(scope: string): SettingSection[] | undefined {
  return SETTINGS_SCHEMA[scope];
}
