import { describeKubernetesOverHttp } from './fakes/kubernetes/kubernetes-http-suite';

describeKubernetesOverHttp('kubernetes', 'nvidia.com/gpu.product');
