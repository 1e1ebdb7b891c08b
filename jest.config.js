// Synthesis allocates many short-lived objects (cdktf tokens capture a stack trace each): a larger young generation
// cuts the workers' garbage collection, measured 16 % off the stack suites. Workers inherit the environment.
process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, "--max-semi-space-size=64"].filter(Boolean).join(" ");

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // Sucrase strips types without checking them (npm test runs tsc for that). It is pure JavaScript:
  // no platform-specific binaries, which this project's registry does not serve for every platform.
  transform: { "^.+\\.ts$": "@sucrase/jest-plugin" },
  setupFilesAfterEnv: ["<rootDir>/test/setup.ts"],
  globalSetup: "<rootDir>/test/global-setup.ts",
  globalTeardown: "<rootDir>/test/global-teardown.ts",
  // Synthesis is CPU-bound and the runner itself idles: one worker per core (jest's default leaves one out).
  maxWorkers: "100%",
};
