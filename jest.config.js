/**
 * Jest 30 in ESM mode: Nest 12 ships ESM only, so tests run as native modules
 * (`NODE_OPTIONS=--experimental-vm-modules`). Type checking is done by `npm run typecheck`,
 * so ts-jest only transpiles here, which keeps the suite fast.
 */
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/support/process-trap.ts'],
  collectCoverage: true,
  collectCoverageFrom: ['src/**/*.ts'],
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: {
    './src/protocol/': { lines: 95, branches: 95 },
  },
  testTimeout: 20000,
};
