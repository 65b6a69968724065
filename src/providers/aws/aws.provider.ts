import {
  CancelSpotInstanceRequestsCommand,
  DescribeInstancesCommand,
  DescribeSpotInstanceRequestsCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Instance,
  type Tag,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { invalid } from '@app/common/errors/domain-error';
import { renderBootstrapScript } from '@app/providers/bootstrap/bootstrap-script';
import { cloudCall, cloudFailure, isNotFound, launchFailure } from '@app/providers/bootstrap/cloud-errors';
import { s3Shell } from '@app/providers/bootstrap/object-store-shells';
import { cheapestForGpu, PriceCache } from '@app/providers/bootstrap/price-cache';
import {
  collectOutputs,
  layoutOf,
  readLogTail,
  resolveVmStatus,
  runLayout,
  type MachineView,
} from '@app/providers/bootstrap/vm-run';
import type {
  CollectedArtifact,
  InstancePrice,
  LaunchSpec,
  ProviderCapabilities,
  ProviderJobHandle,
  ProviderJobStatus,
  ReconcileResult,
  TrainingProvider,
} from '@app/providers/training-provider.port';
import type { AwsClients, AwsConfig } from './aws-clients';
import { loadAwsPrices } from './aws-prices';
import { S3ObjectStore } from './s3-object-store';

const TAG = { job: 'artenic:job_id', attempt: 'artenic:attempt', token: 'artenic:token' } as const;
const MANAGED = { Key: 'managed-by', Value: 'artenic-ai-platform' };
const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down'];
/** EC2's own interruption signals: the instance state reason and the spot request status codes. */
const SPOT_REASONS = new Set(['Server.SpotInstanceTermination', 'Server.SpotInstanceShutdown']);
const SPOT_REQUEST_CODES = new Set([
  'instance-terminated-by-price',
  'instance-terminated-capacity-oversubscribed',
  'instance-terminated-no-capacity',
  'instance-terminated-by-service',
  'instance-stopped-by-price',
  'instance-stopped-no-capacity',
  'marked-for-termination',
  'marked-for-stop',
]);

/** EC2 instances started with a user-data bootstrap; S3 for code, status, logs, checkpoints and outputs. */
export class AwsProvider implements TrainingProvider {
  readonly name = 'aws';
  private readonly store: S3ObjectStore;
  private readonly priceCache: PriceCache;

  constructor(
    private readonly config: AwsConfig,
    private readonly clients: AwsClients,
  ) {
    this.store = new S3ObjectStore(clients.s3);
    this.priceCache = new PriceCache(
      () => loadAwsPrices(config, clients.ec2(config.region)),
      config.price_ttl_seconds * 1000,
    );
  }

  capabilities(): ProviderCapabilities {
    return {
      spot: true,
      gpu: true,
      regions: this.config.regions.length ? this.config.regions : [this.config.region],
      instance_types: Object.keys(this.config.on_demand_prices),
    };
  }

  prices(): Promise<InstancePrice[]> {
    return cloudCall(this.name, 'price refresh', () => this.priceCache.get());
  }

  async provision(spec: LaunchSpec): Promise<ProviderJobHandle> {
    try {
      return await this.launch(spec);
    } catch (error) {
      throw launchFailure(this.name, 'launch', error);
    }
  }

  private async launch(spec: LaunchSpec): Promise<ProviderJobHandle> {
    const region = spec.region ?? this.config.region;
    const layout = runLayout(`s3://${this.config.models_bucket}`, spec);
    const existing = await this.findByToken(region, spec.idempotency_token);
    const command = existing ? null : this.runInstances(spec, layout);
    const instance =
      existing ?? (command ? (await this.clients.ec2(region).send(command)).Instances?.[0] : undefined);
    if (!instance?.InstanceId) throw new Error('RunInstances returned no instance');
    return {
      job_id: spec.job_id,
      attempt: spec.attempt,
      provider_job_id: instance.InstanceId,
      region,
      instance_type: instance.InstanceType ?? null,
      spot: spec.spot,
      state: {
        ...layout,
        instance_id: instance.InstanceId,
        spot_request_id: instance.SpotInstanceRequestId ?? null,
      },
    };
  }

  private runInstances(spec: LaunchSpec, layout: ReturnType<typeof runLayout>): RunInstancesCommand {
    const ami = typeof spec.options.ami_id === 'string' ? spec.options.ami_id : this.config.ami_id;
    if (!ami) throw invalid('AWS_AMI_REQUIRED', 'no AMI: set ARTENIC_AWS__AMI_ID or config.ami_id');
    const script = renderBootstrapScript({
      ...spec,
      ...layout,
      store: s3Shell({
        region: this.config.region,
        endpointUrl: this.config.s3_endpoint_url || this.config.endpoint_url || undefined,
      }),
      poweroff: 'shutdown -h now',
    });
    const tags: Tag[] = [
      { Key: 'Name', Value: `artenic-${spec.job_id}-${spec.attempt}` },
      { Key: TAG.job, Value: spec.job_id },
      { Key: TAG.attempt, Value: String(spec.attempt) },
      { Key: TAG.token, Value: spec.idempotency_token },
      { Key: 'artenic:service', Value: spec.service },
      { Key: 'artenic:model', Value: spec.model },
      { Key: 'artenic:run_uri', Value: layout.run_uri },
      { Key: 'artenic:output_uri', Value: layout.output_uri },
      { Key: 'artenic:checkpoint_uri', Value: layout.checkpoint_uri },
      MANAGED,
    ];
    return new RunInstancesCommand({
      ImageId: ami,
      InstanceType: (spec.instance_type ?? this.config.default_instance_type) as _InstanceType,
      MinCount: 1,
      MaxCount: 1,
      ClientToken: spec.idempotency_token.slice(0, 64),
      // Encoded exactly once: the SDK sends the string as given (the reference base64-ed it twice).
      UserData: Buffer.from(script, 'utf8').toString('base64'),
      InstanceInitiatedShutdownBehavior: 'terminate',
      MetadataOptions: { HttpTokens: 'required' },
      ...(this.config.iam_instance_profile
        ? { IamInstanceProfile: { Name: this.config.iam_instance_profile } }
        : {}),
      ...(this.config.subnet_id ? { SubnetId: this.config.subnet_id } : {}),
      ...(this.config.security_group_id ? { SecurityGroupIds: [this.config.security_group_id] } : {}),
      ...(this.config.key_name ? { KeyName: this.config.key_name } : {}),
      ...(spec.spot
        ? {
            InstanceMarketOptions: {
              MarketType: 'spot',
              SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate' },
            },
          }
        : {}),
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tags },
        { ResourceType: 'volume', Tags: tags },
      ],
    });
  }

  /** Picks the instance type for a GPU request when the dispatch named none. */
  async instanceTypeFor(gpu: { type: string | null; count: number }, spot: boolean): Promise<string | null> {
    if (gpu.count <= 0) return null;
    return cheapestForGpu(await this.prices(), gpu, spot)?.instance_type ?? null;
  }

  start(handle: ProviderJobHandle): Promise<ProviderJobHandle> {
    return Promise.resolve(handle); // the user-data script starts the run at boot
  }

  async status(handle: ProviderJobHandle): Promise<ProviderJobStatus> {
    const instance = await this.describe(handle);
    const machine = await this.machineView(handle, instance);
    return cloudCall(this.name, 'status marker', () =>
      resolveVmStatus(this.store, layoutOf(handle), machine),
    );
  }

  private async machineView(handle: ProviderJobHandle, instance: Instance | null): Promise<MachineView> {
    if (!instance)
      return { phase: 'gone', preempted: false, detail: `instance ${handle.provider_job_id} not found` };
    const state = instance.State?.Name ?? 'pending';
    const reason = instance.StateReason?.Code ?? '';
    const requestCode = await this.spotRequestCode(handle, instance);
    const preempted = SPOT_REASONS.has(reason) || SPOT_REQUEST_CODES.has(requestCode);
    const detail = [state, reason, requestCode].filter(Boolean).join(' ');
    if (state === 'pending') return { phase: 'provisioning', preempted, detail };
    if (state === 'running') return { phase: 'running', preempted, detail };
    if (state === 'stopping' || state === 'shutting-down') return { phase: 'stopping', preempted, detail };
    return { phase: 'stopped', preempted, detail };
  }

  private async spotRequestCode(handle: ProviderJobHandle, instance: Instance): Promise<string> {
    const id = instance.SpotInstanceRequestId ?? (handle.state.spot_request_id as string | null);
    if (!id) return '';
    const out = await cloudCall(this.name, 'DescribeSpotInstanceRequests', () =>
      this.clients
        .ec2(handle.region ?? this.config.region)
        .send(new DescribeSpotInstanceRequestsCommand({ SpotInstanceRequestIds: [id] })),
    ).catch(() => null);
    return out?.SpotInstanceRequests?.[0]?.Status?.Code ?? '';
  }

  private async describe(handle: ProviderJobHandle): Promise<Instance | null> {
    const ec2 = this.clients.ec2(handle.region ?? this.config.region);
    try {
      const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [handle.provider_job_id] }));
      return out.Reservations?.[0]?.Instances?.[0] ?? null;
    } catch (error) {
      if (isNotFound(error) || /InvalidInstanceID/.test((error as Error).name)) return null;
      throw cloudFailure(this.name, 'DescribeInstances', error);
    }
  }

  logs(handle: ProviderJobHandle, tailLines: number): Promise<string> {
    return cloudCall(this.name, 'log read', () => readLogTail(this.store, layoutOf(handle), tailLines));
  }

  cancel(handle: ProviderJobHandle): Promise<void> {
    return this.teardown(handle);
  }

  collectArtifacts(handle: ProviderJobHandle, destinationDir: string): Promise<CollectedArtifact[]> {
    return cloudCall(this.name, 'artifact download', () =>
      collectOutputs(this.store, layoutOf(handle), destinationDir),
    );
  }

  async teardown(handle: ProviderJobHandle): Promise<void> {
    const ec2 = this.clients.ec2(handle.region ?? this.config.region);
    const spotRequest = handle.state.spot_request_id;
    if (typeof spotRequest === 'string' && spotRequest) {
      await cloudCall(this.name, 'CancelSpotInstanceRequests', () =>
        ec2.send(new CancelSpotInstanceRequestsCommand({ SpotInstanceRequestIds: [spotRequest] })),
      ).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
    }
    await this.terminate(handle.region ?? this.config.region, [handle.provider_job_id]);
  }

  private async terminate(region: string, ids: string[]): Promise<void> {
    try {
      await this.clients.ec2(region).send(new TerminateInstancesCommand({ InstanceIds: ids }));
    } catch (error) {
      if (/InvalidInstanceID\.NotFound/.test((error as Error).name) || isNotFound(error)) return;
      throw cloudFailure(this.name, 'TerminateInstances', error);
    }
  }

  private async findByToken(region: string, token: string): Promise<Instance | null> {
    const found = await this.tagged(region, [{ Name: `tag:${TAG.token}`, Values: [token] }]);
    return found[0] ?? null;
  }

  private async tagged(
    region: string,
    filters: Array<{ Name: string; Values: string[] }>,
  ): Promise<Instance[]> {
    const ec2 = this.clients.ec2(region);
    const instances: Instance[] = [];
    let token: string | undefined;
    do {
      const page = await cloudCall(this.name, 'DescribeInstances', () =>
        ec2.send(
          new DescribeInstancesCommand({
            Filters: [...filters, { Name: 'instance-state-name', Values: LIVE_STATES }],
            NextToken: token,
          }),
        ),
      );
      for (const r of page.Reservations ?? []) instances.push(...(r.Instances ?? []));
      token = page.NextToken;
    } while (token);
    return instances;
  }

  async reconcile(live: Array<{ job_id: string; attempt: number }>): Promise<ReconcileResult> {
    const result: ReconcileResult = { removed: [], adopted: [] };
    const wanted = new Set(live.map((l) => `${l.job_id}#${l.attempt}`));
    for (const region of this.capabilities().regions) {
      for (const instance of await this.tagged(region, [{ Name: 'tag-key', Values: [TAG.job] }])) {
        const tag = (key: string) => instance.Tags?.find((t) => t.Key === key)?.Value ?? '';
        const jobId = tag(TAG.job);
        const attempt = Number(tag(TAG.attempt));
        const id = instance.InstanceId ?? '';
        if (wanted.has(`${jobId}#${attempt}`)) {
          const layout = {
            run_uri: tag('artenic:run_uri'),
            output_uri: tag('artenic:output_uri'),
            checkpoint_uri: tag('artenic:checkpoint_uri'),
          };
          result.adopted.push({
            job_id: jobId,
            attempt,
            provider_job_id: id,
            state: { ...layout, instance_id: id, spot_request_id: instance.SpotInstanceRequestId ?? null },
          });
        } else {
          await this.terminate(region, [id]);
          result.removed.push(id);
        }
      }
    }
    return result;
  }
}
