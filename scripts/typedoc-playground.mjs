// TypeDoc plugin of the docs build (typedoc.json "plugin"): puts the playground in the docs site.
// - Every page's navigation (the site menu) starts with a "Playground" link, relative to the
//   page, so the site works from any folder of any static file server.
// - After rendering, the playground's static files (apps/playground/dist/site, made by
//   `turbo run build`) are copied to <out>/playground/. A missing build is an error.
import { cpSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { JSX, RendererEvent } from "typedoc";

const SITE = fileURLToPath(new URL("../apps/playground/dist/site", import.meta.url));

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.renderer.hooks.on("sidebar.begin", (context) =>
    JSX.createElement(
      "nav",
      { class: "tsd-navigation rtos-sim-playground" },
      JSX.createElement(
        "a",
        {
          href: context.relativeURL("playground/index.html"),
          title: "run, pause, step and inspect the simulator in the browser",
        },
        "Playground",
      ),
    ),
  );
  app.renderer.on(RendererEvent.END, (event) => {
    if (!existsSync(join(SITE, "index.html"))) {
      app.logger.error(`the playground is not built (${SITE}): run "turbo run build" first`);
      return;
    }
    cpSync(SITE, join(event.outputDirectory, "playground"), { recursive: true });
    app.logger.info(`playground copied to ${join(event.outputDirectory, "playground")}`);
  });
}
