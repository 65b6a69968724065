import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { AppConfig } from '@app/config/app-config.schema';
import { httpStatusOf, retryAfterOf } from '@app/providers/bootstrap/cloud-errors';

export type KubernetesConfig = AppConfig['kubernetes'];

/** The few Kubernetes API calls the adapter makes; one namespace, bodies in and out. */
export interface KubeApi {
  createJob(namespace: string, body: V1Job): Promise<V1Job>;
  readJob(namespace: string, name: string): Promise<V1Job>;
  listJobs(namespace: string, labelSelector: string): Promise<V1Job[]>;
  /** Background propagation: the Job goes at once and the garbage collector removes its pods. */
  deleteJob(namespace: string, name: string): Promise<void>;
  listPods(namespace: string, labelSelector: string): Promise<V1Pod[]>;
  readPodLog(namespace: string, pod: string, tailLines: number): Promise<string>;
}

/**
 * Builds the client from config: an explicit API server and bearer token, else a kubeconfig file, else the
 * in-cluster service account. `@kubernetes/client-node` is imported here, lazily, so a platform without
 * Kubernetes enabled never loads it (about 70 MB of resident memory).
 *
 * Every call gets the configured timeout (an AbortSignal set by a request middleware: the library has no
 * timeout of its own) and is retried on 429/5xx/timeouts up to `max_attempts`, waiting what `Retry-After`
 * says (capped so a poller tick stays short).
 */
export async function createKubeApi(config: KubernetesConfig): Promise<KubeApi> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (config.api_server) {
    // The library refuses plain http unless TLS checks are off; there are none to skip on http anyway.
    const skipTLSVerify = config.insecure_skip_tls_verify || config.api_server.startsWith('http://');
    kc.loadFromOptions({
      clusters: [{ name: 'artenic', server: config.api_server, skipTLSVerify }],
      users: [{ name: 'artenic', token: config.token }],
      contexts: [{ name: 'artenic', cluster: 'artenic', user: 'artenic', namespace: config.namespace }],
      currentContext: 'artenic',
    });
  } else if (config.kubeconfig_path) {
    kc.loadFromFile(config.kubeconfig_path);
  } else {
    kc.loadFromCluster();
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the Kubernetes configuration names no cluster');
  const timeout = {
    pre: (context: import('@kubernetes/client-node').RequestContext) => {
      context.setSignal(AbortSignal.timeout(config.request_timeout_ms));
      return Promise.resolve(context);
    },
    post: (response: import('@kubernetes/client-node').ResponseContext) => Promise.resolve(response),
  };
  const configuration = k8s.createConfiguration({
    baseServer: new k8s.ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [timeout],
  });
  const batch = new k8s.BatchV1Api(configuration);
  const core = new k8s.CoreV1Api(configuration);
  const retry = <T>(call: () => Promise<T>) => withRetries(call, config.max_attempts);
  return {
    createJob: (namespace, body) => retry(() => batch.createNamespacedJob({ namespace, body })),
    readJob: (namespace, name) => retry(() => batch.readNamespacedJob({ namespace, name })),
    listJobs: async (namespace, labelSelector) =>
      (await retry(() => batch.listNamespacedJob({ namespace, labelSelector }))).items,
    deleteJob: async (namespace, name) => {
      await retry(() => batch.deleteNamespacedJob({ namespace, name, propagationPolicy: 'Background' }));
    },
    listPods: async (namespace, labelSelector) =>
      (await retry(() => core.listNamespacedPod({ namespace, labelSelector }))).items,
    readPodLog: (namespace, name, tailLines) =>
      retry(() => core.readNamespacedPodLog({ namespace, name, tailLines })),
  };
}

const MAX_WAIT_MS = 2000;

function retryable(error: unknown): boolean {
  const status = httpStatusOf(error);
  if (status === undefined) return true; // network failure or timeout
  return status === 429 || status >= 500;
}

/** Retries a Kubernetes call on throttling, server errors and timeouts; the last failure propagates. */
export async function withRetries<T>(call: () => Promise<T>, attempts: number): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !retryable(error)) throw error;
      const hinted = retryAfterOf(error);
      const waitMs = Math.min(MAX_WAIT_MS, hinted !== undefined ? hinted * 1000 : 100 * 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}
