import { defineConfig } from "vitest/config";
import { sharedConfig } from "../../vitest.shared.ts";

/** Only the HTML report test in headless Chromium (`pnpm test:browser`). */
export default defineConfig({
  ...sharedConfig,
  test: { ...sharedConfig.test, include: ["test/report-browser.test.ts"] },
});
