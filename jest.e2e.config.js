// End-to-end suite against the real test world (kube-apiserver, etcd, CSI driver, snapshot-controller).
// Kept apart from jest.config.js so unit tests stay fast. One worker: the suites share one world.
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'es6' } }],
};
export default {
  displayName: 'e2e',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
  testTimeout: 120000,
  maxWorkers: 1,
};
