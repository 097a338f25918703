import { defineConfig } from "vitest/config";
import { sharedConfig } from "../../vitest.shared.ts";

/** Node tests of the session, state, transpiler and views (the browser test runs from `test:browser`). */
export default defineConfig({
  ...sharedConfig,
  test: { ...sharedConfig.test, include: ["src/**/*.test.ts"] },
});
