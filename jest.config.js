/** Every test talks to real services started once in globalSetup (test/globalSetup.ts). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  globalSetup: '<rootDir>/test/globalSetup.ts',
  globalTeardown: '<rootDir>/test/globalTeardown.ts',
  testTimeout: 120000,
  maxWorkers: 1,
  // A leaked handle must not hold CI until its deadline; leaks still show as jest's warning.
  forceExit: true,
};
