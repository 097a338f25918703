import { defineConfig } from "vitest/config";
import { sharedConfig } from "../../vitest.shared.ts";

/** The playground in headless Chromium (`pnpm test:browser`, after `tsup` builds dist/site). */
export default defineConfig({
  ...sharedConfig,
  test: {
    ...sharedConfig.test,
    include: ["test/playground.browser.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
