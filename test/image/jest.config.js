// The image suite (Dockerfile lint + the runtime tree rebuilt without Docker). Same transform as
// the root jest.config.js; kept apart because it needs hadolint (test/image/install-hadolint.sh)
// and npm, but no test world. Run: node --experimental-vm-modules node_modules/jest/bin/jest.js -c test/image/jest.config.js
export default {
  rootDir: '../..',
  displayName: 'image',
  testMatch: ['<rootDir>/test/image/**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'es6' } }],
  },
  testEnvironment: 'node',
};
