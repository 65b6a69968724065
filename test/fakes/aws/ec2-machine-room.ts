import {
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  EC2Client,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { FakeMachine } from '../rest-cloud/fake-machine';

/**
 * Plays EC2's hypervisor next to moto (which never runs user data): every new instance tagged by the platform
 * boots its user data for real with bash (S3 pointed at moto), and a power-off terminates the instance, as
 * `InstanceInitiatedShutdownBehavior: terminate` does on EC2. Decoding the user data once and running it
 * proves it was not double-encoded.
 */
export class Ec2MachineRoom {
  readonly machines = new Map<string, FakeMachine>();
  readonly ec2: EC2Client;
  private timer: NodeJS.Timeout | undefined;
  private scanning = false;

  constructor(private readonly motoUrl: string) {
    this.ec2 = new EC2Client({
      region: 'us-east-1',
      endpoint: motoUrl,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
  }

  start(): this {
    this.timer = setInterval(() => void this.scan(), 100);
    return this;
  }

  private async scan(): Promise<void> {
    if (this.scanning) return;
    this.scanning = true;
    try {
      const out = await this.ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: 'tag-key', Values: ['artenic:job_id'] },
            { Name: 'instance-state-name', Values: ['pending', 'running'] },
          ],
        }),
      );
      const live = new Set(
        (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId!),
      );
      for (const id of live) if (!this.machines.has(id)) await this.boot(id);
      // Terminated by the platform or the "cloud": the machine stops running.
      for (const [id, machine] of this.machines) if (!live.has(id)) machine.kill();
    } catch {
      // moto restarting between tests: next scan
    } finally {
      this.scanning = false;
    }
  }

  private async boot(id: string): Promise<void> {
    const attr = await this.ec2.send(
      new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: 'userData' }),
    );
    const script = Buffer.from(attr.UserData?.Value ?? '', 'base64').toString('utf8');
    const machine = new FakeMachine(
      script,
      { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_DEFAULT_REGION: 'us-east-1' },
      () => void this.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] })).catch(() => undefined),
    );
    this.machines.set(id, machine);
  }

  /** Instances that are not terminated (what still costs money). */
  async live(): Promise<string[]> {
    const out = await this.ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          {
            Name: 'instance-state-name',
            Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'],
          },
        ],
      }),
    );
    return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId!);
  }

  stop(): void {
    clearInterval(this.timer);
    for (const m of this.machines.values()) m.dispose();
    this.ec2.destroy();
  }
}
