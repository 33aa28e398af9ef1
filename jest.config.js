// Jest runs the TypeScript sources directly (SWC, ESM) against real PostgreSQL and Redis.
// globalSetup gives the run its own template database and Redis prefix (see libs/testing).
const libs = [
  'common',
  'domain',
  'persistence',
  'connectors',
  'sync',
  'crypto',
  'testing',
  'webhooks',
  'consents',
];
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    sourceMaps: 'inline',
  },
];
// ESM-only packages that CommonJS dependencies `require()` (Node 20 allows require(esm), Jest's
// module system does not): Jest transpiles them to CommonJS on that path. @swc/jest picks ESM or
// CommonJS output per load, which is why no module type is pinned above.
const esmRequiredByCjs = [
  'content-disposition',
  '@apidevtools/json-schema-ref-parser',
  '@apidevtools/swagger-parser',
];
const swcJs = ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' } }];
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    ...Object.fromEntries(libs.map((l) => [`^#${l}/(.*)\\.js$`, `<rootDir>/libs/${l}/src/$1.ts`])),
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: { '^.+\\.ts$': swc, '^.+\\.js$': swcJs },
  transformIgnorePatterns: [`/node_modules/(?!(${esmRequiredByCjs.join('|')})/)`],
  testMatch: [
    '<rootDir>/{apps,libs,bench}/**/*.spec.ts',
    '<rootDir>/{apps,libs}/**/*.int-spec.ts',
    '<rootDir>/apps/*/test/**/*.e2e-spec.ts',
  ],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  globalSetup: '<rootDir>/libs/testing/global-setup.mjs',
  globalTeardown: '<rootDir>/libs/testing/global-teardown.mjs',
  testTimeout: 60000,
  maxWorkers: 2,
};
