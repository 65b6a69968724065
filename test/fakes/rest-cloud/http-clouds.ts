import type { ProviderJobHandle } from '@app/providers/training-provider.port';
import { FakeHetzner } from '../hetzner/fake-hetzner';
import { FakeLambdaLabs } from '../lambda-labs/fake-lambda-labs';
import { FakeOci } from '../oci/fake-oci';
import { FakeOpenStack } from '../openstack/fake-openstack';
import { FakeRunpod } from '../runpod/fake-runpod';
import { FakeScaleway } from '../scaleway/fake-scaleway';
import { FakeVastAi } from '../vastai/fake-vastai';
import type { FakeReply } from './fake-http';
import type { Storage } from './provider-conformance';

/** One cloud's fake, started, with the `ARTENIC_*` variables that enable its adapter against it. */
export interface RunningCloud {
  provider: string;
  env: Record<string, string>;
  instanceType: string;
  spot: boolean;
  resources: () => number;
  failNext: (count: number, reply: FakeReply) => void;
  preempt?: (providerJobId: string) => void;
  stop: () => Promise<void>;
}

export type CloudName =
  'oci' | 'ovh' | 'infomaniak' | 'hetzner' | 'scaleway' | 'lambda_labs' | 'runpod' | 'vastai';

const OVH_CATALOG = {
  locale: { currencyCode: 'EUR' },
  addons: [
    { planCode: 'b2-7.consumption', pricings: [{ price: 6_810_000, intervalUnit: 'hour' }] },
    { planCode: 'l40s-90.consumption', pricings: [{ price: 140_000_000, intervalUnit: 'hour' }] },
  ],
};

const OCI_SHAPES = JSON.stringify({
  'VM.Standard.E4.Flex': {
    ocpus: 4,
    memory_gb: 64,
    parts: [
      { part: 'B93113', per: 'ocpu' },
      { part: 'B93114', per: 'memory_gb' },
    ],
  },
  'VM.GPU.A10.1': {
    ocpus: 15,
    memory_gb: 240,
    gpus: 1,
    gpu_type: 'A10',
    parts: [{ part: 'B95909', per: 'gpu' }],
  },
});

export async function startCloud(name: CloudName, storage: Storage): Promise<RunningCloud> {
  const base = { provider: name };
  const P = name.toUpperCase();
  switch (name) {
    case 'hetzner': {
      const f = new FakeHetzner('hz');
      await f.start();
      return {
        ...base,
        spot: false,
        instanceType: 'cx22',
        env: {
          [`ARTENIC_${P}__ENABLED`]: 'true',
          [`ARTENIC_${P}__API_KEY`]: 'hz',
          [`ARTENIC_${P}__API_URL`]: f.apiUrl,
          ...storage.env(P),
        },
        resources: () => f.servers.size,
        failNext: (n, r) => f.http.failNext(n, r),
        stop: () => f.stop(),
      };
    }
    case 'lambda_labs': {
      const f = new FakeLambdaLabs('lk');
      await f.start();
      return {
        ...base,
        spot: false,
        instanceType: 'gpu_1x_a10',
        env: {
          [`ARTENIC_${P}__ENABLED`]: 'true',
          [`ARTENIC_${P}__API_KEY`]: 'lk',
          [`ARTENIC_${P}__API_URL`]: f.apiUrl,
          [`ARTENIC_${P}__SSH_KEY_NAME`]: 'ops',
          ...storage.env(P),
        },
        resources: () => f.instances.size,
        failNext: (n, r) => f.http.failNext(n, r),
        stop: () => f.stop(),
      };
    }
    case 'scaleway': {
      const f = new FakeScaleway('scw');
      await f.start();
      return {
        ...base,
        spot: false,
        instanceType: 'GPU-3070-S',
        env: {
          [`ARTENIC_${P}__ENABLED`]: 'true',
          [`ARTENIC_${P}__SECRET_KEY`]: 'scw',
          [`ARTENIC_${P}__IMAGE_ID`]: 'img',
          [`ARTENIC_${P}__API_URL`]: f.apiUrl,
          [`ARTENIC_${P}__CATALOG_URL`]: `${f.apiUrl}/product-catalog/v2alpha1/public-catalog/products`,
          ...storage.env(P),
        },
        resources: () => f.resources,
        failNext: (n, r) => f.http.failNext(n, r),
        stop: () => f.stop(),
      };
    }
    case 'runpod': {
      const f = new FakeRunpod('rp');
      await f.start();
      return {
        ...base,
        spot: true,
        instanceType: 'NVIDIA RTX A6000',
        env: {
          [`ARTENIC_${P}__ENABLED`]: 'true',
          [`ARTENIC_${P}__API_KEY`]: 'rp',
          [`ARTENIC_${P}__API_URL`]: f.apiUrl,
          ...storage.env(P),
        },
        resources: () => f.live,
        failNext: (n, r) => f.http.failNext(n, r),
        preempt: (id) => f.interrupt(id),
        stop: () => f.stop(),
      };
    }
    case 'vastai': {
      const f = new FakeVastAi('vk');
      await f.start();
      return {
        ...base,
        spot: true,
        instanceType: 'RTX_4090',
        env: {
          [`ARTENIC_${P}__ENABLED`]: 'true',
          [`ARTENIC_${P}__API_KEY`]: 'vk',
          [`ARTENIC_${P}__API_URL`]: f.apiUrl,
          ...storage.env(P),
        },
        resources: () => f.instances.size,
        failNext: (n, r) => f.http.failNext(n, r),
        preempt: (id) => f.outbid(Number(id)),
        stop: () => f.stop(),
      };
    }
    case 'oci': {
      const f = new FakeOci();
      await f.start();
      return {
        ...base,
        spot: true,
        instanceType: 'VM.Standard.E4.Flex',
        env: {
          [`ARTENIC_${P}__ENABLED`]: 'true',
          [`ARTENIC_${P}__TENANCY_OCID`]: 'ocid1.tenancy.oc1..t',
          [`ARTENIC_${P}__USER_OCID`]: 'ocid1.user.oc1..u',
          [`ARTENIC_${P}__FINGERPRINT`]: '20:3b:97:13',
          [`ARTENIC_${P}__PRIVATE_KEY`]: f.keys.privateKeyPem,
          [`ARTENIC_${P}__COMPARTMENT_ID`]: 'ocid1.compartment.oc1..c',
          [`ARTENIC_${P}__AVAILABILITY_DOMAIN`]: 'AD-1',
          [`ARTENIC_${P}__SUBNET_ID`]: 'ocid1.subnet.oc1..s',
          [`ARTENIC_${P}__IMAGE_ID`]: 'ocid1.image.oc1..i',
          [`ARTENIC_${P}__API_URL`]: f.apiUrl,
          [`ARTENIC_${P}__PRICE_LIST_URL`]: `${f.apiUrl}/prices/`,
          [`ARTENIC_${P}__SHAPE_PRICES`]: OCI_SHAPES,
          ...storage.env(P),
        },
        resources: () => f.live,
        failNext: (n, r) => f.http.failNext(n, r),
        preempt: (id) => f.preempt(id),
        stop: () => f.stop(),
      };
    }
    case 'ovh':
    case 'infomaniak': {
      const f = new FakeOpenStack(
        { name: 'u', password: 'pw', project_id: 'p123' },
        name === 'ovh' ? OVH_CATALOG : {},
      );
      f.region = name === 'ovh' ? 'GRA11' : 'dc3-a';
      await f.start();
      return {
        ...base,
        spot: false,
        instanceType: 'b2-7',
        env: {
          [`ARTENIC_${P}__ENABLED`]: 'true',
          [`ARTENIC_${P}__AUTH_URL`]: f.authUrl,
          [`ARTENIC_${P}__USERNAME`]: 'u',
          [`ARTENIC_${P}__PASSWORD`]: 'pw',
          [`ARTENIC_${P}__PROJECT_ID`]: 'p123',
          [`ARTENIC_${P}__TEMP_URL_KEY`]: 'tu-key',
          [`ARTENIC_${P}__IMAGE_ID`]: 'img-ubuntu',
          [`ARTENIC_${P}__NETWORK_ID`]: 'net-ext',
          ...(name === 'ovh'
            ? { [`ARTENIC_${P}__PRICE_CATALOG_URL`]: `${f.http.url}/catalog` }
            : { [`ARTENIC_${P}__PRICE_LIST`]: '{"b2-7": 0.05, "l40s-90": 1.9}' }),
        },
        resources: () => f.servers.size,
        failNext: (n, r) => f.http.failNext(n, r),
        stop: () => f.stop(),
      };
    }
  }
}

export type { ProviderJobHandle };
