/**
 * Two projects. `unit`: the pure rules (test/unit), no services, compiled file by file, so `npm test` fails in
 * seconds when a rule breaks. `system`: everything else, against real services started once in globalSetup
 * (test/globalSetup.ts); jest runs a project's globalSetup only when one of its tests is selected.
 * `--selectProjects` takes every word after it as a project name: package.json puts another flag after it, so
 * that `npm test -- test/<file>.test.ts` stays a file.
 */
// tsconfig's isolatedModules makes ts-jest transpile each file on its own: types are checked by tsc in the build.
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };

module.exports = {
  testTimeout: 120000,
  maxWorkers: 1,
  // A leaked handle must not hold CI until its deadline; leaks still show as jest's warning.
  forceExit: true,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/unit'],
      testMatch: ['**/*.test.ts'],
      transform,
    },
    {
      displayName: 'system',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/unit/'],
      transform,
      globalSetup: '<rootDir>/test/globalSetup.ts',
      globalTeardown: '<rootDir>/test/globalTeardown.ts',
    },
  ],
};
