import { defineConfig, mergeConfig } from "vitest/config";
import { sharedConfig } from "../../vitest.shared.ts";

/** The shared config, plus the README example's test beside the example (examples/mailbox.test.ts). */
export default mergeConfig(
  sharedConfig,
  defineConfig({ test: { include: ["src/**/*.test.ts", "test/**/*.test.ts", "examples/**/*.test.ts"] } }),
);
