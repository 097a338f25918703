import type { RunResult } from "../run/result.js";

/** Placeholder. */
export function renderReport(result: RunResult): string {
  return `<!doctype html><title>${result.app.name}</title>`;
}
