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
/** Request budget for a cloud SDK: per-call timeout and attempts (throttling and 5xx are retried). */
const cloudCalls = {
  request_timeout_ms: envNumber(z.number().int().min(100), 20000),
  max_attempts: envNumber(z.number().int().min(1).max(10), 3),
  price_ttl_seconds: envNumber(z.number().int().min(1), 3600),
};

/** S3-compatible object storage used by Kubernetes jobs (and any cloud without its own store). */
const s3Storage = () =>
  envSection({
    endpoint_url: z.string().default(''),
    access_key: z.string().default(''),
    secret_key: z.string().default(''),
    region: z.string().default('us-east-1'),
    code_bucket: z.string().default('artenic-code'),
    models_bucket: z.string().default('artenic-models'),
  });

/** Generic Kubernetes and CoreWeave share one shape; only their defaults differ. */
const kubernetesSection = (defaults: {
  namespace: string;
  training_image: string;
  storage_class: string;
  prices: Record<string, number>;
  gpu_label: string;
}) =>
  envSection({
    enabled: envBool(false),
    provider_label: z.string().default(''),
    kubeconfig_path: z.string().default(''),
    /** Explicit API server URL and bearer token (instead of a kubeconfig). */
    api_server: z.string().default(''),
    token: z.string().default(''),
    namespace: z.string().default(defaults.namespace),
    training_image: z.string().default(defaults.training_image),
    storage_class: z.string().default(defaults.storage_class),
    node_selector: envJson(z.record(z.string(), z.string())).default({}),
    tolerations: envJson(z.array(z.record(z.string(), z.string()))).default([]),
    image_pull_secrets: envJson(z.array(z.string())).default([]),
    service_account: z.string().default(''),
    code_pvc_size: z.string().default('10Gi'),
    artifacts_pvc_size: z.string().default('50Gi'),
    /** Node label that names the GPU model (nodeSelector when a GPU type is requested). */
    gpu_label: z.string().default(defaults.gpu_label),
    /** Secret whose keys become the training pod's environment (object-storage credentials). */
    credentials_secret: z.string().default(''),
    /** Price per GPU-hour by GPU type (or per hour by instance type), in `currency`. */
    prices: envJson(z.record(z.string(), z.number().min(0))).default(defaults.prices),
    currency: z.string().default('EUR'),
    regions: envJson(z.array(z.string())).default([]),
    storage: s3Storage(),
    ...cloudCalls,
  });

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
  aws: envSection({
    enabled: envBool(false),
    access_key_id: z.string().default(''),
    secret_access_key: z.string().default(''),
    session_token: z.string().default(''),
    region: z.string().default('eu-west-1'),
    regions: envJson(z.array(z.string())).default([]),
    code_bucket: z.string().default('artenic-code'),
    models_bucket: z.string().default('artenic-models'),
    default_instance_type: z.string().default('m6i.xlarge'),
    ami_id: z.string().default(''),
    subnet_id: z.string().default(''),
    security_group_id: z.string().default(''),
    key_name: z.string().default(''),
    iam_instance_profile: z.string().default(''),
    /** Alternative endpoint for EC2 and S3 (moto, LocalStack); S3 uses path-style addressing then. */
    endpoint_url: z.string().default(''),
    /** On-demand USD/hour by instance type; types absent here are looked up in the Price List API. */
    on_demand_prices: envJson(z.record(z.string(), z.number().min(0))).default({}),
    price_list_enabled: envBool(true),
    ...cloudCalls,
  }),
  gcp: envSection({
    enabled: envBool(false),
    project_id: z.string().default(''),
    credentials_path: z.string().default(''),
    /** A static OAuth access token (instead of a service account or ADC). */
    access_token: z.string().default(''),
    region: z.string().default('europe-west4'),
    zone: z.string().default('europe-west4-a'),
    regions: envJson(z.array(z.string())).default([]),
    code_bucket: z.string().default('artenic-code'),
    data_bucket: z.string().default('artenic-training-data'),
    models_bucket: z.string().default('artenic-models'),
    default_machine_type: z.string().default('e2-highmem-16'),
    boot_image: z
      .string()
      .default('projects/deeplearning-platform-release/global/images/family/common-cu124-debian-11-py310'),
    boot_disk_size_gb: envNumber(z.number().int().min(10), 200),
    ssh_key_path: z.string().default(''),
    /** Alternative endpoints (tests, private service connect): `http://127.0.0.1:9000`. */
    compute_endpoint: z.string().default(''),
    storage_endpoint: z.string().default(''),
    billing_endpoint: z.string().default(''),
    ...cloudCalls,
  }),
  azure: envSection({
    enabled: envBool(false),
    subscription_id: z.string().default(''),
    tenant_id: z.string().default(''),
    client_id: z.string().default(''),
    client_secret: z.string().default(''),
    /** A static bearer token (instead of a service principal). */
    access_token: z.string().default(''),
    region: z.string().default('switzerlandnorth'),
    regions: envJson(z.array(z.string())).default([]),
    resource_group: z.string().default('artenic-ai'),
    storage_account: z.string().default('artenicai'),
    code_container: z.string().default('artenic-code'),
    models_container: z.string().default('artenic-models'),
    storage_connection_string: z.string().default(''),
    default_vm_size: z.string().default('Standard_D4s_v5'),
    image_publisher: z.string().default('Canonical'),
    image_offer: z.string().default('0001-com-ubuntu-server-jammy'),
    image_sku: z.string().default('22_04-lts-gen2'),
    vnet_name: z.string().default(''),
    subnet_name: z.string().default(''),
    ssh_key_path: z.string().default(''),
    admin_username: z.string().default('artenic'),
    /** Alternative endpoints (tests): ARM, Blob storage, login, and the Retail Prices API. */
    management_endpoint: z.string().default(''),
    storage_endpoint: z.string().default(''),
    login_endpoint: z.string().default('https://login.microsoftonline.com'),
    prices_url: z.string().default('https://prices.azure.com/api/retail/prices'),
    ...cloudCalls,
  }),
  kubernetes: kubernetesSection({
    namespace: 'artenic-training',
    training_image: 'python:3.12-slim',
    storage_class: '',
    prices: {},
    gpu_label: 'nvidia.com/gpu.product',
  }),
  coreweave: kubernetesSection({
    namespace: 'artenic-training',
    training_image: 'nvcr.io/nvidia/pytorch:24.01-py3',
    storage_class: 'shared-hdd',
    // EUR per GPU-hour (reference §5.6 CoreWeave table).
    prices: {
      A100_PCIE_80GB: 2.21,
      A100_SXM4_80GB: 2.39,
      A100_PCIE_40GB: 2.06,
      A40: 1.28,
      RTX_A6000: 1.28,
      RTX_A5000: 0.77,
      RTX_A4000: 0.61,
      H100_SXM5_80GB: 4.25,
      H100_PCIE_80GB: 4.1,
      A100X: 2.21,
    },
    gpu_label: 'gpu.nvidia.com/class',
  }),
});

export type AppConfig = z.infer<typeof appConfigSchema>;
