import type { VirtualMachine } from '@azure/arm-compute';
import type { ProviderJobHandle } from '@app/providers/training-provider.port';
import { machineView } from './azure.provider';

const handle = (spot: boolean): ProviderJobHandle => ({
  job_id: 'j',
  attempt: 1,
  provider_job_id: 'artenic-j-1',
  region: 'westeurope',
  instance_type: 'Standard_D2s_v5',
  spot,
  state: {},
});
const vm = (power: string, provisioningState = 'Succeeded'): VirtualMachine => ({
  location: 'westeurope',
  provisioningState,
  instanceView: { statuses: [{ code: 'ProvisioningState/succeeded' }, { code: `PowerState/${power}` }] },
});

describe('Azure machine view', () => {
  it('a deallocated Spot VM (evictionPolicy Deallocate) is an eviction', () => {
    const view = machineView(handle(true), vm('deallocated'));

    expect(view).toMatchObject({ phase: 'stopped', preempted: true });
    expect(view.detail).toContain('Spot eviction');
  });

  it('a Spot VM deleted by Azure (evictionPolicy Delete) is an eviction; an on-demand one is lost', () => {
    expect(machineView(handle(true), null)).toMatchObject({ phase: 'gone', preempted: true });
    expect(machineView(handle(false), null)).toMatchObject({ phase: 'gone', preempted: false });
  });

  it('power states map to phases; a stopped on-demand VM is not an eviction', () => {
    expect(machineView(handle(false), vm('running')).phase).toBe('running');
    expect(machineView(handle(false), vm('starting')).phase).toBe('provisioning');
    expect(machineView(handle(false), vm('stopped'))).toMatchObject({ phase: 'stopped', preempted: false });
    expect(machineView(handle(false), vm('running', 'Failed')).phase).toBe('stopped');
  });
});
