import { describeCloudOverHttp } from './fakes/rest-cloud/http-conformance';

describeCloudOverHttp('vastai');
