import { defineConfig } from "vitest/config";
import { sharedConfig } from "../../vitest.shared.ts";

/**
 * The CLI's tests, except the HTML report in headless Chromium: that one needs Debian's
 * chromium (`/usr/bin/chromium`) and runs with `pnpm test:browser` (CI installs the browser).
 */
export default defineConfig({
  ...sharedConfig,
  test: { ...sharedConfig.test, exclude: ["test/report-browser.test.ts", "**/node_modules/**"] },
});
