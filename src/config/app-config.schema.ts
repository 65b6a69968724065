import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { envBool, envJson, envNumber, envSection } from './env-parsing';

const port = z.number().int().min(0).max(65535);
const positive = z.number().positive();
const nonNegativeInt = z.number().int().min(0);
const pct = z.number().min(0).max(100);

/**
 * Every `ARTENIC_*` variable the platform reads. Names and defaults follow the reference (§2 of the core
 * document) except where the reference was wrong for a server (port 8000 per DESIGN, an embedded SQLite
 * default instead of a PostgreSQL server that may not exist, rate limits sized for an inference gateway).
 */
export const appConfigSchema = z.object({
  host: z.string().default('0.0.0.0'),
  port: envNumber(port, 8000),
  debug: envBool(false),
  log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  http_adapter: z.enum(['fastify', 'express']).default('fastify'),
  /** Behind a load balancer: take the client IP from X-Forwarded-For (rate limiting per IP). */
  trust_proxy: envBool(false),
  api_key: z.string().default(''),
  /** Extra named keys, JSON `{"name": "key"}`; the name is the actor recorded in ledgers and audits. */
  api_keys: envJson(z.record(z.string().min(1), z.string().min(16))).default({}),
  secret_key: z.string().default(''),
  data_dir: z.string().default('./data'),
  database_url: z.string().default(''),
  database_pool_size: envNumber(z.number().int().min(1).max(200), 10),
  instance_id: z.string().default(`${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`),
  body_limit_bytes: envNumber(z.number().int().min(1024), 10 * 1024 * 1024),
  cors_origins: envJson(z.array(z.string())).default(['http://localhost:3000']),
  rate_limit_per_minute: envNumber(nonNegativeInt, 6000),
  rate_limit_burst: envNumber(z.number().int().min(1), 200),
  shutdown_grace_seconds: envNumber(z.number().min(0).max(600), 25),
  mlflow_tracking_uri: z.string().default(''),
  mlflow_artifact_root: z.string().default('./mlflow-artifacts'),
  mlflow_experiment_prefix: z.string().default('artenic'),
  otel_enabled: envBool(false),
  otel_service_name: z.string().default('artenic-ai-platform'),
  otel_exporter: z.enum(['prometheus', 'otlp']).default('prometheus'),
  plugins: envJson(z.array(z.string())).default([]),

  events: envSection({
    retention_days: envNumber(z.number().int().min(1), 30),
    gap_grace_ms: envNumber(z.number().int().min(0), 3000),
    poll_interval_ms: envNumber(z.number().int().min(20), 1000),
  }),
  ws: envSection({
    heartbeat_seconds: envNumber(positive, 30),
    max_buffered_bytes: envNumber(z.number().int().min(1024), 4 * 1024 * 1024),
    default_topics: envJson(z.array(z.string())).default([
      'training',
      'ensemble',
      'health',
      'lifecycle',
      'config',
      'ab_test',
      'budget',
    ]),
  }),
  budget: envSection({
    enabled: envBool(true),
    enforcement_mode: z.enum(['block', 'warn']).default('block'),
    alert_threshold_pct: envNumber(pct, 80),
    metering_interval_seconds: envNumber(z.number().min(1).max(60), 30),
  }),
  webhook: envSection({
    enabled: envBool(false),
    url: z.string().default(''),
    secret: z.string().default(''),
    timeout_seconds: envNumber(positive, 10),
    retry_count: envNumber(nonNegativeInt, 8),
    allow_private_targets: envBool(false),
  }),
  spot: envSection({
    enabled: envBool(false),
    prefer_spot: envBool(false),
    max_preemption_retries: envNumber(nonNegativeInt, 3),
    failover_regions: envJson(z.array(z.string())).default([]),
    checkpoint_before_resume: envBool(true),
  }),
  ensemble: envSection({
    enabled: envBool(true),
    max_models_per_ensemble: envNumber(z.number().int().min(1), 10),
    auto_prune_enabled: envBool(false),
    prune_weight_threshold: envNumber(z.number().min(0).max(1), 0.05),
    prune_min_models: envNumber(z.number().int().min(1), 2),
  }),
  ab_test: envSection({
    enabled: envBool(true),
    default_min_samples: envNumber(z.number().int().min(1), 100),
    max_concurrent_tests: envNumber(z.number().int().min(1), 5),
  }),
  health: envSection({
    enabled: envBool(true),
    check_interval_seconds: envNumber(positive, 60),
    drift_threshold: envNumber(positive, 0.2),
    degradation_pct: envNumber(pct, 10),
    retention_days: envNumber(z.number().int().min(1), 90),
  }),
  canary: envSection({
    enabled: envBool(false),
    initial_traffic_pct: envNumber(pct, 10),
    evaluation_window_seconds: envNumber(positive, 3600),
    auto_promote_threshold: envNumber(z.number().min(0).max(1), 0.95),
    auto_rollback_threshold: envNumber(z.number().min(0).max(1), 0.8),
  }),
  local: envSection({
    enabled: envBool(true),
    work_dir: z.string().default(''),
    max_concurrent_jobs: envNumber(z.number().int().min(1), 4),
    default_timeout_hours: envNumber(positive, 24),
    gpu_enabled: envBool(false),
    python_executable: z.string().default(''),
  }),
});

export type AppConfig = z.infer<typeof appConfigSchema>;
