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
  testEnvironmentOptions: { globalsCleanup: 'on' },
  moduleFileExtensions: ['js', 'mjs', 'json', 'ts'],
  moduleNameMapper: { '^@app/(.*)$': '<rootDir>/src/$1', '^@test/(.*)$': '<rootDir>/test/$1' },
  transform: { '^.+\\.ts$': ['@swc/jest', swc], '^.+\\.m?js$': ['@swc/jest', esm] },
  transformIgnorePatterns: ['/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose|content-disposition)/)'],
};
/*
 * `jest --selectProjects e2e test/foo` would read `test/foo` as a second project name and run every e2e
 * suite; path-like arguments are therefore also applied here as file filters.
 */
const pathFilters = process.argv
  .slice(2)
  .filter((arg) => !arg.startsWith('-') && /[/.]/.test(arg))
  .map((arg) => arg.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
const only = pathFilters.length > 0 ? `(?=.*(?:${pathFilters.join('|')}))` : '';
const files = (dir, suffix) => [`^${only}.*/${dir}/.*${suffix.replace(/\./g, '\\.')}$`];

module.exports = {
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testRegex: files('src', '.spec.ts') },
    { ...common, displayName: 'e2e', testRegex: files('test', '.e2e-spec.ts'), testTimeout: 60000 },
    // PostgreSQL-only behaviour (LISTEN/NOTIFY across replicas, database restarts): the postgres lane only.
    { ...common, displayName: 'pg', testRegex: files('test', '.pg-spec.ts'), testTimeout: 120000 },
  ],
};
