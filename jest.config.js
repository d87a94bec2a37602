/** One jest run for the whole repo: tests sit beside what they test as `*.test.ts`. */
module.exports = {
  testEnvironment: "node",
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }],
    // jose is ESM-only; Node 20 require()s it, but jest's module loader cannot: compile it to CommonJS.
    "/node_modules/jose/.+\\.js$": ["ts-jest", { tsconfig: { allowJs: true, module: "commonjs", target: "ES2022", isolatedModules: true } }],
  },
  transformIgnorePatterns: ["/node_modules/(?!jose/)"],
  testMatch: ["<rootDir>/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/", "/.toolchain/", "/.state/"],
  modulePathIgnorePatterns: ["<rootDir>/.toolchain/", "<rootDir>/.state/", "<rootDir>/dist/"],
  watchman: false,
  testTimeout: 60000,
  // Pulumi's mock runtime is global per process: one test file per worker process.
  maxWorkers: 2,
};
