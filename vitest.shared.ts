import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

/** Workspace packages resolve to their TypeScript sources in tests: no build needed first. */
const packages = ["prng", "hw", "region", "alloc", "memcheck", "sched", "kernel"];

export const sharedConfig = defineConfig({
  resolve: {
    alias: [
      ...packages.map((name) => ({
        find: new RegExp(`^@rtos-sim/${name}$`),
        replacement: `${root}packages/${name}/src/index.ts`,
      })),
      { find: /^@rtos-sim\/bench-kit$/, replacement: `${root}tools/bench/src/index.ts` },
      { find: /^@rtos-sim\/apps$/, replacement: `${root}apps/workloads/src/index.ts` },
    ],
  },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    reporters: ["default"],
  },
});
