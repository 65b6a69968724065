import { describeCloudOverHttp } from './fakes/rest-cloud/http-conformance';

describeCloudOverHttp('ovh');
