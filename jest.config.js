// @swc/jest transpiles (type-checking is `npm run typecheck`); ESM-only SDKs are transformed too.
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true, dynamicImport: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
};
const esm = { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } };
const common = {
  testEnvironment: 'node',
  moduleFileExtensions: ['js', 'mjs', 'json', 'ts'],
  moduleNameMapper: { '^@app/(.*)$': '<rootDir>/src/$1', '^@test/(.*)$': '<rootDir>/test/$1' },
  transform: { '^.+\\.ts$': ['@swc/jest', swc], '^.+\\.m?js$': ['@swc/jest', esm] },
  transformIgnorePatterns: ['/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose|content-disposition)/)'],
};
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'], testTimeout: 60000 },
    // PostgreSQL-only behaviour (LISTEN/NOTIFY across replicas, database restarts): the postgres lane only.
    { ...common, displayName: 'pg', testMatch: ['<rootDir>/test/**/*.pg-spec.ts'], testTimeout: 120000 },
  ],
};
