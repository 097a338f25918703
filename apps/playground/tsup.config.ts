import { defineConfig } from "tsup";

/**
 * The playground as static files in dist/site (copied into docs/site/playground by the docs
 * build): the page (src/site), its script, the worker, and the transpiler as a chunk the worker
 * loads only for the edited app. Everything is bundled from the packages' sources; nothing is
 * fetched from elsewhere at run time.
 */
export default defineConfig({
  entry: { playground: "src/ui/main.ts", worker: "src/worker/worker.ts" },
  outDir: "dist/site",
  format: ["esm"],
  platform: "browser",
  target: "es2022",
  splitting: true,
  minify: true,
  sourcemap: false,
  dts: false,
  clean: true,
  noExternal: [/./],
  publicDir: "src/site",
  esbuildOptions(options) {
    options.conditions = ["source"];
    options.legalComments = "none";
  },
});
