import { defineConfig } from "tsup";

/**
 * The playground as static files in dist/site (copied into docs/site/playground by the docs
 * build): the page (src/site), its script, the worker, and the transpiler as a chunk the worker
 * loads only for the edited app, each with its source map. Everything is bundled from the packages' sources; nothing is
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
  // Source maps as separate files, for the checker's source sites only (src/bundle-frames.ts):
  // the worker fetches one when a report first needs a site in its script.
  sourcemap: true,
  dts: false,
  clean: true,
  noExternal: [/./],
  publicDir: "src/site",
  esbuildOptions(options) {
    options.conditions = ["source"];
    options.legalComments = "none";
    // Positions only (no copy of the sources), and sources named from the repository's root
    // (`packages/memcheck/src/checker.ts`): outDir's path from there, joined to each source.
    options.sourcesContent = false;
    options.sourceRoot = "apps/playground/dist/site/";
  },
});
