import { captureStack, formatReport, parseFrames } from "@rtos-sim/memcheck";
import { describe, expect, it } from "vitest";
import { taskControl } from "./task-context.js";
import { bootTest } from "./test-kit.js";

/** The line of this file that calls `here()`. */
function here(): number {
  return parseFrames(captureStack().stack ?? "").filter((f) => f.file.endsWith("call-sites.test.ts"))[1]!.line;
}

describe("source sites through the kernel (memcheck option sourceSites)", () => {
  it("the report names the task's lines of the bad access, the malloc and the free, as ASan's #0 frames", () => {
    const k = bootTest({ memcheck: { sourceSites: true } });
    const lines: number[] = [];
    k.spawn({
      name: "stale",
      *main(t) {
        const p = yield* t.malloc(32);
        lines.push(here() - 1);
        t.memset(p, 1, 32);
        yield* t.free(p);
        lines.push(here() - 1);
        t.read8(p + 4);
        lines.push(here() - 1);
      },
    });
    k.run({ ms: 2 });
    const r = k.checker!.reports[0]!;
    const [alloc, free, access] = lines;
    expect([r.kind, r.source?.line, r.block?.allocated.source?.line, r.block?.freed?.source?.line]).toEqual([
      "use-after-free",
      access,
      alloc,
      free,
    ]);
    expect(r.source!.file).toMatch(/packages\/kernel\/src\/call-sites\.test\.ts$/);
    const text = formatReport(r);
    expect(text).toContain(`allocated here:\n    #0 ${r.source!.file}:${alloc}:`);
    expect(text).toContain(`freed here:\n    #0 ${r.source!.file}:${free}:`);
  });

  it("a memcpy whose source runs past its block names the memcpy's line (the checked copy's read is 17 frames deep)", () => {
    const k = bootTest({ memcheck: { sourceSites: true } });
    const lines: number[] = [];
    k.spawn({
      name: "copier",
      *main(t) {
        const dst = yield* t.malloc(64);
        const src = yield* t.malloc(24);
        t.memset(src, 1, 24);
        lines.push(here() + 1);
        t.memcpy(dst, src, 32); // reads 8 bytes past src: reported, the copy goes on
        lines.push(here() + 1);
        t.memset(dst, 0, 72); // writes 8 bytes past dst: reported, the task stops
      },
    });
    k.run({ ms: 2 });
    const rs = k.checker!.reports.filter((r) => r.kind === "heap-buffer-overflow");
    expect(rs.map((r) => [r.access, r.size, r.source?.line])).toEqual([
      ["read", 32, lines[0]],
      ["write", 72, lines[1]],
    ]);
  });

  it("off by default: no stack is captured at syscalls", () => {
    const k = bootTest({ memcheck: true });
    const t = k.spawn({ name: "quiet", *main() {} });
    expect(taskControl(t.ctx).callSites).toBe(false);
  });
});
