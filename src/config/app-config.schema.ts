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

/** OpenStack clouds (OVH, Infomaniak): presets are per-field defaults, so setting one nested variable keeps the rest. */
const openstackSection = (preset: {
  auth_url: string;
  region: string;
  default_flavor: string;
  network_name: string;
  image_name: string;
  price_catalog_url: string;
  price_currency: string;
}) =>
  envSection({
    enabled: envBool(false),
    auth_url: z.string().default(preset.auth_url),
    username: z.string().default(''),
    password: z.string().default(''),
    application_credential_id: z.string().default(''),
    application_credential_secret: z.string().default(''),
    project_id: z.string().default(''),
    project_name: z.string().default(''),
    user_domain_name: z.string().default('Default'),
    project_domain_name: z.string().default('Default'),
    region: z.string().default(preset.region),
    regions: envJson(z.array(z.string())).default([]),
    default_flavor: z.string().default(preset.default_flavor),
    /** Network attached to the server, by id or (when the id is empty) by name. */
    network_id: z.string().default(''),
    network_name: z.string().default(preset.network_name),
    image_id: z.string().default(''),
    image_name: z.string().default(preset.image_name),
    ssh_key_name: z.string().default(''),
    security_group: z.string().default('default'),
    /** Swift container for code, status, logs, checkpoints and outputs. */
    container: z.string().default('artenic-training'),
    /** Account Temp-URL key: machines read and write their run's objects through signed, expiring URLs. */
    temp_url_key: z.string().default(''),
    /** Price source: OVH's public catalog URL, or a JSON price list (`{"flavor": hourly}`) for Infomaniak. */
    price_catalog_url: z.string().default(preset.price_catalog_url),
    price_list: envJson(z.record(z.string(), z.number().min(0))).default({}),
    price_currency: z.string().length(3).default(preset.price_currency),
    ...cloudCalls,
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
    /** Only with `api_server`: accept its certificate unchecked (a cluster with a private CA and no kubeconfig). */
    insecure_skip_tls_verify: envBool(false),
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
    /** Container requests = limits; empty leaves them unset. */
    cpu_request: z.string().default('2'),
    memory_request: z.string().default('8Gi'),
    /** Finished Jobs are garbage-collected by the cluster after this long (the platform deletes them first). */
    ttl_seconds_after_finished: envNumber(nonNegativeInt, 3600),
    /** Where spot (preemptible) pods go; spot is offered only when one of these is set. */
    spot_node_selector: envJson(z.record(z.string(), z.string())).default({}),
    spot_tolerations: envJson(z.array(z.record(z.string(), z.string()))).default([]),
    /** Spot price per hour by the same keys as `prices`, in `currency`. */
    spot_prices: envJson(z.record(z.string(), z.number().min(0))).default({}),
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
  /** Older passphrases, JSON list: decrypt-only members of the key ring while secrets are re-encrypted. */
  secret_keys_previous: envJson(z.array(z.string().min(1))).default([]),
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
    /** Currency of a budget created without one (e.g. through the reference's `limit_eur`). */
    default_currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .default('EUR'),
  }),
  webhook: envSection({
    enabled: envBool(false),
    url: z.string().default(''),
    secret: z.string().default(''),
    timeout_seconds: envNumber(positive, 10),
    retry_count: envNumber(nonNegativeInt, 8),
    allow_private_targets: envBool(false),
    /** Retry n waits about base × 2^(n-1) seconds (± jitter), capped: with 8 retries, about 4 hours in all. */
    backoff_base_seconds: envNumber(z.number().min(0.001), 60),
    backoff_max_seconds: envNumber(z.number().min(0.001), 6 * 3600),
    /** How often the delivery poller looks for due deliveries, and how many it claims at once. */
    poll_interval_ms: envNumber(z.number().int().min(10), 1000),
    batch_size: envNumber(z.number().int().min(1).max(500), 20),
    lease_seconds: envNumber(z.number().min(1), 60),
  }),
  spot: envSection({
    enabled: envBool(false),
    prefer_spot: envBool(false),
    max_preemption_retries: envNumber(nonNegativeInt, 3),
    failover_regions: envJson(z.array(z.string())).default([]),
    checkpoint_before_resume: envBool(true),
    /** Other providers a preempted spot job may move to, in order (each must be enabled and offer spot). */
    failover_providers: envJson(z.array(z.string())).default([]),
    /** After the last spot retry, run once more on on-demand capacity (a job may override it). */
    fallback_to_on_demand: envBool(true),
  }),
  training: envSection({
    poll_interval_ms: envNumber(z.number().int().min(20), 2000),
    /** Jobs claimed per statement; a tick claims batches until no due job is left. */
    poll_batch_size: envNumber(z.number().int().min(1).max(10000), 500),
    /** Provider calls in flight per tick. */
    poll_concurrency: envNumber(z.number().int().min(1).max(256), 8),
    lease_seconds: envNumber(z.number().int().min(1), 120),
    /** Seconds between two status polls of a job that did not change. */
    status_interval_seconds: envNumber(z.number().min(0), 5),
    price_refresh_interval_seconds: envNumber(z.number().min(1), 3600),
    /** Where collected artifacts are copied; empty means `<data_dir>/training-artifacts`. */
    artifacts_dir: z.string().default(''),
    /** Claims are recorded so that lease behaviour can be audited; older rows are pruned. */
    poll_history_retention_hours: envNumber(z.number().min(0), 24),
    /** Register a model version when a completed job produced files. */
    register_models: envBool(true),
  }),
  fx: envSection({
    /** JSON `{"base":"EUR","date":"2026-11-01","rates":{"USD":1.08}}`: 1 base = rate units of the currency. */
    rates: envJson(
      z
        .object({
          base: z.string().length(3),
          date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
          rates: z.record(z.string().length(3), z.number().positive()),
        })
        .nullable(),
    ).default(null),
  }),
  mock: envSection({
    enabled: envBool(true),
  }),
  ensemble: envSection({
    enabled: envBool(true),
    max_models_per_ensemble: envNumber(z.number().int().min(1), 10),
    auto_prune_enabled: envBool(false),
    prune_weight_threshold: envNumber(z.number().min(0).max(1), 0.05),
    prune_min_models: envNumber(z.number().int().min(1), 2),
    /** Per-member deadline of a version created without `timeout_ms`. */
    default_timeout_ms: envNumber(z.number().int().min(1), 2000),
  }),
  inference: envSection({
    /** Fraction (0..1) of predictions whose inputs and outputs are stored with the prediction record. */
    sample_rate: envNumber(z.number().min(0).max(1), 0.01),
    max_batch_size: envNumber(z.number().int().min(1), 1024),
    /** Single-row predict served in front of Fastify (same behaviour, a fraction of the cost); Express never. */
    fast_path: envBool(true),
    /** Estimated memory of cached ONNX sessions (artifact bytes × 2) before the least recently used is closed. */
    session_cache_mb: envNumber(z.number().min(1), 512),
    max_sessions: envNumber(z.number().int().min(1), 64),
    /**
     * Concurrent model executions in this process; more wait in a queue of `max_queue`, beyond it 503. In-process
     * ONNX runs take turns on the event loop anyway: a low limit only made queued calls wait an extra loop turn.
     */
    max_concurrency: envNumber(z.number().int().min(1), 64),
    max_queue: envNumber(z.number().int().min(0), 1024),
    onnx_intra_op_threads: envNumber(z.number().int().min(1), 1),
    warm_on_promotion: envBool(true),
    /** How long a service → production version answer is reused (cleared by every lifecycle event); 0 = off. */
    resolution_cache_ms: envNumber(nonNegativeInt, 1000),
    record_flush_ms: envNumber(z.number().int().min(10), 1000),
    record_flush_rows: envNumber(z.number().int().min(1).max(2000), 100),
    /** Records kept in memory while the database is slow; beyond it the oldest are dropped and counted. */
    record_buffer_max: envNumber(z.number().int().min(1), 50_000),
    /** On a SQLite file, write prediction records from a worker thread with its own connection (off the event loop). */
    record_thread: envBool(true),
    http_timeout_ms: envNumber(z.number().int().min(1), 5000),
    http_retries: envNumber(nonNegativeInt, 2),
    http_retry_backoff_ms: envNumber(nonNegativeInt, 50),
    breaker_error_threshold_pct: envNumber(pct, 50),
    breaker_volume_threshold: envNumber(z.number().int().min(1), 10),
    breaker_reset_ms: envNumber(z.number().int().min(1), 10_000),
    breaker_window_ms: envNumber(z.number().int().min(100), 10_000),
  }),
  ab_test: envSection({
    enabled: envBool(true),
    default_min_samples: envNumber(z.number().int().min(1), 100),
    max_concurrent_tests: envNumber(z.number().int().min(1), 5),
    /** How long a service's running test is cached by the router (A/B events drop the cache at once). */
    routing_cache_ms: envNumber(z.number().int().min(0), 1000),
    /** p-value below which the arm counts are flagged as a sample ratio mismatch. */
    srm_alpha: envNumber(z.number().gt(0).lt(1), 0.001),
    /** Interval of the auto-conclusion loop (`ab-testing.auto`). */
    auto_interval_seconds: envNumber(z.number().positive(), 60),
  }),
  health: envSection({
    enabled: envBool(true),
    check_interval_seconds: envNumber(positive, 60),
    drift_threshold: envNumber(positive, 0.2),
    degradation_pct: envNumber(pct, 10),
    retention_days: envNumber(z.number().int().min(1), 90),
    /** Rolling window evaluated on each check (traffic, latency, errors, drift samples). */
    window_seconds: envNumber(positive, 3600),
    /** Rows in the drift reference: the first sampled predictions after promotion. */
    reference_size: envNumber(z.number().int().min(10), 500),
    /** Newest records read per model and check (latency percentiles, drift samples): bounds the work. */
    max_samples: envNumber(z.number().int().min(10), 5000),
    /** Values needed on both sides before a feature is tested for drift. */
    drift_min_samples: envNumber(z.number().int().min(5), 50),
    /** Family-wise significance of the KS tests of one check (Bonferroni over the features). */
    ks_alpha: envNumber(z.number().gt(0).lt(1), 0.01),
    /** Equal-frequency reference bins for the PSI of numeric features. */
    psi_bins: envNumber(z.number().int().min(2).max(100), 10),
    /** Error rate at or above which a model is unhealthy (degraded from `degradation_pct`). */
    unhealthy_error_rate: envNumber(z.number().gt(0).max(1), 0.5),
    /** p99 latency (ms) above which a model is degraded; 0 disables the check. */
    latency_p99_threshold_ms: envNumber(z.number().min(0), 0),
  }),
  canary: envSection({
    enabled: envBool(false),
    initial_traffic_pct: envNumber(pct, 10),
    evaluation_window_seconds: envNumber(positive, 3600),
    auto_promote_threshold: envNumber(z.number().min(0).max(1), 0.95),
    auto_rollback_threshold: envNumber(z.number().min(0).max(1), 0.8),
  }),
  /** Where model artifacts are stored: the data directory (default) or S3-compatible object storage. */
  artifacts: envSection({
    backend: z.enum(['local', 's3']).default('local'),
    /** local: defaults to `<data_dir>/artifacts`. */
    local_dir: z.string().default(''),
    bucket: z.string().default(''),
    prefix: z.string().default('artifacts/'),
    endpoint_url: z.string().default(''),
    region: z.string().default('us-east-1'),
    access_key_id: z.string().default(''),
    secret_access_key: z.string().default(''),
    force_path_style: envBool(false),
    part_size_mb: envNumber(z.number().int().min(5).max(512), 8),
  }),
  registry: envSection({
    /**
     * How long a rendered `GET /api/v1/models` page may be served from memory. Commits in this process and
     * lifecycle events (from any replica) drop the pages at once; this bounds staleness otherwise. 0: off.
     */
    list_cache_ms: envNumber(z.number().int().min(0), 1000),
  }),
  /** MLflow mirroring of the registry (enabled by ARTENIC_MLFLOW_TRACKING_URI). */
  mlflow: envSection({
    timeout_ms: envNumber(z.number().int().min(100), 5000),
    max_backoff_ms: envNumber(z.number().int().min(100), 60_000),
  }),
  local: envSection({
    enabled: envBool(true),
    work_dir: z.string().default(''),
    max_concurrent_jobs: envNumber(z.number().int().min(1), 4),
    default_timeout_hours: envNumber(positive, 24),
    gpu_enabled: envBool(false),
    python_executable: z.string().default(''),
    /** SIGTERM → SIGKILL grace when a local job is cancelled or torn down. */
    kill_grace_ms: envNumber(z.number().int().min(0), 5000),
    /** Platform environment variables a local job inherits (no secrets: ARTENIC_* are never passed). */
    env_passthrough: envJson(z.array(z.string())).default(['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ']),
    /** Filled by the loader from `env_passthrough`; not an input. */
    inherited_env: z.record(z.string(), z.string()).default({}),
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
    /** S3's own endpoint when it differs from EC2's (VPC endpoint, S3-compatible store); default endpoint_url. */
    s3_endpoint_url: z.string().default(''),
    /** On-demand USD/hour by instance type: the types offered; spot prices come from the spot price history. */
    on_demand_prices: envJson(z.record(z.string(), z.number().min(0))).default({}),
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
    /** Service account the VMs run as (its cloud-platform scope lets the startup script reach GCS). */
    service_account: z.string().default('default'),
    network: z.string().default('global/networks/default'),
    /** Machine types offered (priced from the Billing Catalog); empty = only `default_machine_type`. */
    machine_types: envJson(z.array(z.string())).default([]),
    /** USD/hour by machine type, used when the Billing Catalog cannot be read: `{"e2-standard-4":{"on_demand":0.134,"spot":0.04}}`. */
    price_table: envJson(
      z.record(z.string(), z.object({ on_demand: z.number().min(0), spot: z.number().min(0).optional() })),
    ).default({}),
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
    /** Give each training VM a public IP (outbound access where the subnet has no NAT gateway). */
    public_ip: envBool(true),
    /** User-assigned managed identity (resource id) the VMs use for Blob storage; empty = system-assigned. */
    managed_identity_id: z.string().default(''),
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
  oci: envSection({
    enabled: envBool(false),
    tenancy_ocid: z.string().default(''),
    user_ocid: z.string().default(''),
    fingerprint: z.string().default(''),
    /** PEM private key of the API signing key, inline or as a file path. */
    private_key: z.string().default(''),
    key_file: z.string().default(''),
    region: z.string().default('eu-frankfurt-1'),
    regions: envJson(z.array(z.string())).default([]),
    compartment_id: z.string().default(''),
    availability_domain: z.string().default(''),
    default_shape: z.string().default('VM.Standard.E4.Flex'),
    subnet_id: z.string().default(''),
    image_id: z.string().default(''),
    ssh_public_key: z.string().default(''),
    /** Core Services endpoint; empty means https://iaas.<region>.oraclecloud.com. */
    api_url: z.string().default(''),
    price_list_url: z.string().default('https://apexapps.oracle.com/pls/apex/cetools/api/v1/products/'),
    price_currency: z.string().length(3).default('USD'),
    /** Shape → price-list part numbers and what each is billed per (ocpu, memory_gb, gpu, instance). */
    shape_prices: envJson(
      z.record(
        z.string(),
        z.object({
          ocpus: z.number().min(0).default(1),
          memory_gb: z.number().min(0).default(0),
          gpus: z.number().int().min(0).default(0),
          gpu_type: z.string().nullable().default(null),
          parts: z.array(
            z.object({ part: z.string(), per: z.enum(['ocpu', 'memory_gb', 'gpu', 'instance']) }),
          ),
        }),
      ),
    ).default({}),
    /** Preemptible capacity is billed at this share of the on-demand price (Oracle documents 50 %). */
    preemptible_price_pct: envNumber(pct, 50),
    storage: s3Storage(),
    ...cloudCalls,
  }),
  ovh: openstackSection({
    auth_url: 'https://auth.cloud.ovh.net/v3',
    region: 'GRA11',
    default_flavor: 'b2-30',
    network_name: 'Ext-Net',
    image_name: 'Ubuntu 22.04',
    price_catalog_url: 'https://eu.api.ovh.com/1.0/order/catalog/public/cloud?ovhSubsidiary=FR',
    price_currency: 'EUR',
  }),
  infomaniak: openstackSection({
    auth_url: 'https://api.pub1.infomaniak.cloud/identity/v3',
    region: 'dc3-a',
    default_flavor: 'a4-ram8-disk0',
    network_name: 'ext-net1',
    image_name: 'Ubuntu 22.04 LTS Jammy Jellyfish',
    price_catalog_url: '',
    price_currency: 'EUR',
  }),
  hetzner: envSection({
    enabled: envBool(false),
    api_key: z.string().default(''),
    api_url: z.string().default('https://api.hetzner.cloud/v1'),
    location: z.string().default('fsn1'),
    regions: envJson(z.array(z.string())).default([]),
    ssh_key_name: z.string().default(''),
    default_server_type: z.string().default('ccx23'),
    image: z.string().default('ubuntu-22.04'),
    storage: s3Storage(),
    ...cloudCalls,
  }),
  scaleway: envSection({
    enabled: envBool(false),
    secret_key: z.string().default(''),
    access_key: z.string().default(''),
    project_id: z.string().default(''),
    zone: z.string().default('fr-par-2'),
    regions: envJson(z.array(z.string())).default([]),
    default_instance_type: z.string().default('GPU-3070-S'),
    image_id: z.string().default(''),
    api_url: z.string().default('https://api.scaleway.com'),
    catalog_url: z
      .string()
      .default('https://api.scaleway.com/product-catalog/v2alpha1/public-catalog/products'),
    storage: s3Storage(),
    ...cloudCalls,
  }),
  lambda_labs: envSection({
    enabled: envBool(false),
    api_key: z.string().default(''),
    api_url: z.string().default('https://cloud.lambdalabs.com/api/v1'),
    ssh_key_name: z.string().default(''),
    default_instance_type: z.string().default('gpu_1x_a10'),
    region: z.string().default('us-east-1'),
    storage: s3Storage(),
    ...cloudCalls,
  }),
  runpod: envSection({
    enabled: envBool(false),
    api_key: z.string().default(''),
    api_url: z.string().default('https://api.runpod.io/graphql'),
    default_gpu_type: z.string().default('NVIDIA RTX A6000'),
    cloud_type: z.enum(['ALL', 'SECURE', 'COMMUNITY']).default('ALL'),
    docker_image: z.string().default('runpod/pytorch:2.1.0-py3.10-cuda11.8.0-devel-ubuntu22.04'),
    container_disk_gb: envNumber(z.number().int().min(1), 20),
    volume_gb: envNumber(z.number().int().min(0), 0),
    /** Bid per GPU for interruptible pods, as a share of the on-demand price (the minimum bid is honoured). */
    spot_bid_pct: envNumber(pct, 60),
    storage: s3Storage(),
    ...cloudCalls,
  }),
  vastai: envSection({
    enabled: envBool(false),
    api_key: z.string().default(''),
    api_url: z.string().default('https://console.vast.ai/api/v0'),
    docker_image: z.string().default('pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime'),
    max_price_per_hour: envNumber(positive, 5),
    min_reliability: envNumber(z.number().min(0).max(1), 0.95),
    disk_gb: envNumber(z.number().int().min(1), 50),
    storage: s3Storage(),
    ...cloudCalls,
  }),
});

export type AppConfig = z.infer<typeof appConfigSchema>;
