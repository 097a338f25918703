import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { sharedConfig } from "../../vitest.shared.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** The shared config, plus the CLI's and the playground's sources: their README and examples import them. */
export default defineConfig({
  ...sharedConfig,
  resolve: {
    alias: [
      ...((sharedConfig.resolve?.alias ?? []) as { find: RegExp; replacement: string }[]),
      { find: /^@rtos-sim\/cli$/, replacement: `${root}apps/cli/src/index.ts` },
      { find: /^@rtos-sim\/playground$/, replacement: `${root}apps/playground/src/index.ts` },
    ],
  },
});
