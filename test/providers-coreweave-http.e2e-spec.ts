import { describeKubernetesOverHttp } from './fakes/kubernetes/kubernetes-http-suite';

// CoreWeave is the Kubernetes adapter with CoreWeave's GPU-class node label and defaults.
describeKubernetesOverHttp('coreweave', 'gpu.nvidia.com/class');
