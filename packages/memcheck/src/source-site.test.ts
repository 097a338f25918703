import { describe, expect, it } from "vitest";
import { checkedAllocator } from "./checked-allocator.js";
import { formatReport } from "./report.js";
import {
  captureStack,
  currentSourceSite,
  firstSourceSite,
  formatSourceSite,
  isSimulatorFrame,
  maskSourceSites,
  parseFrames,
  relativeTo,
  type SourceSiteOptions,
  type StackFrame,
  withoutSourceSites,
} from "./source-site.js";
import { SENSOR, setup } from "./test-setup.js";

/** The line of this file that calls `here()`. */
function here(): number {
  const frames = parseFrames(captureStack().stack ?? "").filter((f) => f.file.endsWith("source-site.test.ts"));
  return frames[1]!.line;
}

describe("parsing JS stacks", () => {
  it("reads V8 and SpiderMonkey frames, file:// URLs, and skips frames without a position", () => {
    const v8 = [
      "Error: call site",
      "    at Reporter.site (/repo/packages/memcheck/src/reporter.ts:10:5)",
      "    at body (file:///repo/apps/workloads/src/heap-bugs/app.ts:45:9)",
      "    at Generator.next (<anonymous>)",
      "    at /repo/app.mjs:3:1",
      "    at async main (/repo/app.mjs:9:2)",
    ].join("\n");
    expect(parseFrames(v8)).toEqual([
      { file: "/repo/packages/memcheck/src/reporter.ts", line: 10, column: 5, function: "Reporter.site" },
      { file: "/repo/apps/workloads/src/heap-bugs/app.ts", line: 45, column: 9, function: "body" },
      { file: "/repo/app.mjs", line: 3, column: 1, function: null },
      { file: "/repo/app.mjs", line: 9, column: 2, function: "main" },
    ]);
    expect(parseFrames("body@http://localhost:5173/app.ts:12:7\n@debugger eval code:1:1")).toEqual([
      { file: "http://localhost:5173/app.ts", line: 12, column: 7, function: "body" },
      { file: "debugger eval code", line: 1, column: 1, function: null },
    ]);
  });

  it("a file:// URL's escapes are decoded: the path relative to a root is the file system's", () => {
    const stack = "Error: call site\n    at main (file:///tmp/my%20apps/%C3%A9t%C3%A9/app.ts:28:9)";
    expect(parseFrames(stack)[0]?.file).toBe("/tmp/my apps/été/app.ts");
    expect(firstSourceSite(stack, { root: "/tmp/my apps" })?.file).toBe("été/app.ts");
    // A malformed escape leaves the URL's text; a URL of another scheme is kept as it is.
    expect(parseFrames("    at f (file:///a%zz/b.ts:1:2)")[0]?.file).toBe("/a%zz/b.ts");
    expect(parseFrames("    at f (http://h/a%20b.js:1:2)")[0]?.file).toBe("http://h/a%20b.js");
  });

  it("the first frame outside the simulator is the task's line; a root is stripped", () => {
    const stack = [
      "Error: call site",
      "    at Core.write8 (/repo/packages/hw/src/access-path.ts:380:10)",
      "    at TaskContext.write8 (/repo/node_modules/@rtos-sim/kernel/dist/index.js:900:3)",
      "    at body (/repo/apps/workloads/src/heap-bugs/app.ts:45:9)",
    ].join("\n");
    expect(firstSourceSite(stack, { root: "/repo" })).toEqual({
      file: "apps/workloads/src/heap-bugs/app.ts",
      line: 45,
      column: 9,
      function: "body",
    });
    expect(formatSourceSite(firstSourceSite(stack)!)).toBe("/repo/apps/workloads/src/heap-bugs/app.ts:45:9 in body");
    expect(firstSourceSite(stack, { root: "/repo/apps/cli" })!.file).toBe("../workloads/src/heap-bugs/app.ts");
    expect(relativeTo("C:\\repo", "C:\\repo\\apps\\a.ts")).toBe("apps/a.ts");
    expect(relativeTo("/repo", "http://localhost/app.ts")).toBe("http://localhost/app.ts");
    // POSIX paths are one file system whatever their first letters (they were compared as drives).
    expect(relativeTo("/somewhere/x", "/work/app.ts")).toBe("../../work/app.ts");
    expect(relativeTo("C:\\repo", "D:\\a.ts")).toBe("D:\\a.ts");
    expect(firstSourceSite("    at f (/repo/packages/kernel/src/kernel.ts:1:1)")).toBeNull();
    expect(isSimulatorFrame("/repo/packages/memcheck/src/checker.test.ts")).toBe(false); // tests are task code
    expect(isSimulatorFrame("node:internal/modules/cjs/loader")).toBe(true);
  });
});

describe("mapping frames (option map)", () => {
  // A bundle as a browser names it: the simulator and the app in one minified chunk.
  const bundled = [
    "Error: call site",
    "    at Vr (http://127.0.0.1:4000/chunk-A.js:1:62906)",
    "    at Object.zt (http://127.0.0.1:4000/chunk-A.js:1:51200)",
    "    at Object.body (http://127.0.0.1:4000/chunk-A.js:3:880)",
    "    at Object.body (http://127.0.0.1:4000/worker.js:1:10)",
  ].join("\n");
  const sources: Record<string, { file: string; line: number; column: number }> = {
    "1:62906": { file: "packages/memcheck/src/reporter.ts", line: 121, column: 12 },
    "1:51200": { file: "packages/kernel/src/task-context.ts", line: 88, column: 5 },
    "3:880": { file: "apps/workloads/src/heap-bugs/app.ts", line: 63, column: 9 },
  };
  const map = (f: StackFrame): StackFrame => {
    const to = f.file.endsWith("/chunk-A.js") ? sources[`${f.line}:${f.column}`] : undefined;
    return to ? { ...f, ...to } : f;
  };

  it("maps each frame before the skip test: the simulator's mapped frames are passed over", () => {
    expect(firstSourceSite(bundled, { map })).toEqual({
      file: "apps/workloads/src/heap-bugs/app.ts",
      line: 63,
      column: 9,
      function: "Object.body",
    });
    // Without it, the bundle's first frame is taken: a minified position in the simulator's code.
    expect(firstSourceSite(bundled)).toEqual({
      file: "http://127.0.0.1:4000/chunk-A.js",
      line: 1,
      column: 62906,
      function: "Vr",
    });
  });

  it("a frame the map leaves as it is stays a candidate; root applies to the mapped file", () => {
    const unmapped = bundled.replace("chunk-A.js:3:880", "chunk-A.js:3:881");
    expect(formatSourceSite(firstSourceSite(unmapped, { map })!)).toBe(
      "http://127.0.0.1:4000/chunk-A.js:3:881 in Object.body",
    );
    const absolute = (f: StackFrame) => {
      const m = map(f);
      return m === f ? f : { ...m, file: `/repo/${m.file}` };
    };
    expect(formatSourceSite(firstSourceSite(bundled, { map: absolute, root: "/repo/apps" })!)).toBe(
      "workloads/src/heap-bugs/app.ts:63:9 in Object.body",
    );
  });

  it("repository-relative paths of the simulator's packages are skipped, its tests and apps are not", () => {
    expect(isSimulatorFrame("packages/memcheck/src/reporter.ts")).toBe(true);
    expect(isSimulatorFrame("packages/kernel/dist/index.js")).toBe(true);
    expect(isSimulatorFrame("packages/memcheck/src/checker.test.ts")).toBe(false);
    expect(isSimulatorFrame("apps/workloads/src/heap-bugs/app.ts")).toBe(false);
    expect(isSimulatorFrame("mypackages/kernel/src/kernel.ts")).toBe(false);
  });
});

describe("maskSourceSites", () => {
  it("replaces the sites of a report's frames and SUMMARY, wherever the host put the file", () => {
    const report = (site: string) =>
      [
        "WRITE of size 1 at 0x10000830 by task overflow (user mode)",
        `    #0 ${site}`,
        "allocated here:",
        `    #0 ${site}`,
        `SUMMARY: memcheck: heap-buffer-overflow 0x10000830 task overflow, ${site}`,
        `overflow -> heap-buffer-overflow at 0x10000830 in ${site}; task faulted`,
        "  C:\\apps\\app.ts:3:4",
      ].join("\n");
    const cli = report("../workloads/src/heap-bugs/app.ts:63:9 in Object.body");
    const elsewhere = report("/work/x/apps/workloads/src/heap-bugs/app.ts:63:9 in Object.body");
    const browser = report("http://127.0.0.1:41313/chunk-Q4SZCS6A.js:1:62906 in Vr");
    expect(maskSourceSites(cli)).toBe(maskSourceSites(elsewhere));
    expect(maskSourceSites(cli)).toBe(maskSourceSites(browser));
    expect(maskSourceSites(cli).split("\n")).toEqual([
      "WRITE of size 1 at 0x10000830 by task overflow (user mode)",
      "    #0 <source>",
      "allocated here:",
      "    #0 <source>",
      "SUMMARY: memcheck: heap-buffer-overflow 0x10000830 task overflow, <source>",
      "overflow -> heap-buffer-overflow at 0x10000830 in <source>; task faulted",
      "  <source>",
    ]);
    // Text without a site is left as it is (an address, a time, a SUMMARY without a site).
    const plain = "SUMMARY: memcheck: double-free 0x10002018 task t\nat t=5041179 cycles (30.007018 ms)\nup 12:30:45";
    expect(maskSourceSites(plain)).toBe(plain);
  });
});

describe("maskSourceSites: paths with spaces, V8's function names", () => {
  it("a site's path with spaces (relative to another directory) is masked whole, as without one", () => {
    const lines = (file: string, fn: string) =>
      [
        `${file}:28:9 in ${fn}`, // a fault record's source
        `    #0 ${file}:28:9 in ${fn}`,
        `SUMMARY: memcheck: heap-buffer-overflow 0x10000830 task overflow, ${file}:28:9 in ${fn}`,
        `overflow (24-byte block 0x10000818, live) in ${file}:28:9 in ${fn}; task faulted`,
        `MemManage fault\n  at ${file}:28:9 in ${fn}\nTask: state faulted`,
      ].map(maskSourceSites);
    const plain = lines("app.ts", "main");
    expect(plain).toEqual([
      "<source>",
      "    #0 <source>",
      "SUMMARY: memcheck: heap-buffer-overflow 0x10000830 task overflow, <source>",
      "overflow (24-byte block 0x10000818, live) in <source>; task faulted",
      "MemManage fault\n  at <source>\nTask: state faulted",
    ]);
    expect(lines("my apps/app.ts", "main")).toEqual(plain);
    expect(lines("../home/me/my apps/app.ts", "main")).toEqual(plain);
    expect(lines("C:\\Users\\Jo Doe\\my apps\\app.ts", "main")).toEqual(plain);
    // V8 names a constructor "new Foo" and a method called by another name "Foo.bar [as baz]";
    // a minified bundle renames both.
    expect(lines("app.ts", "new Pid")).toEqual(plain);
    expect(lines("app.ts", "Pid.step [as run]")).toEqual(plain);
    expect(lines("chunk-Q4.js", "new Xe")).toEqual(plain);
    // The words before a site mid-line are the report's, not the path's.
    expect(maskSourceSites("read at 0x20000000 in my apps/app.ts:3:4")).toBe("read at 0x20000000 in <source>");
  });
});

describe("withoutSourceSites", () => {
  it("leaves a text as if no site had been found: site lines, their labels and the words leading to a site go", () => {
    const site = "../apps/my app.ts:63:9 in Object.body";
    const withSites = [
      "WRITE of size 1 at 0x10000830 by task overflow (user mode)",
      `    #0 ${site}`,
      "access to a redzone next to a block",
      "allocated here:",
      `    #0 ${site}`,
      "freed here:",
      `    #0 ${site}`,
      "Memory region: CCM",
      `SUMMARY: memcheck: heap-buffer-overflow 0x10000830 task overflow, ${site}`,
      `overflow -> heap-buffer-overflow at 0x10000830 by overflow (24-byte block 0x10000818, live) in ${site}; task faulted`,
      "MemManage DACCVIOL|MMARVALID at 0x20004000",
      `  at ${site}`,
      "  exception 4 (MemManage)",
    ].join("\n");
    const none = [
      "WRITE of size 1 at 0x10000830 by task overflow (user mode)",
      "access to a redzone next to a block",
      "Memory region: CCM",
      "SUMMARY: memcheck: heap-buffer-overflow 0x10000830 task overflow",
      "overflow -> heap-buffer-overflow at 0x10000830 by overflow (24-byte block 0x10000818, live); task faulted",
      "MemManage DACCVIOL|MMARVALID at 0x20004000",
      "  exception 4 (MemManage)",
    ].join("\n");
    expect(withoutSourceSites(withSites)).toBe(none);
    expect(withoutSourceSites(none)).toBe(none);
    expect(withoutSourceSites(site)).toBe("");
    // A "here:" line not followed by a site, and text around an address, stay.
    const plain = "returned here:\nat t=5041179 cycles (30.007018 ms)\nup 12:30:45";
    expect(withoutSourceSites(plain)).toBe(plain);
  });
});

describe("source sites in reports (option sourceSites)", () => {
  it("name the lines of the bad access, the allocation and the free", () => {
    const f = setup({ sourceSites: true });
    f.user(SENSOR);
    const heap = checkedAllocator(f.checker, f.heap, { redzone: 16 });
    const p = heap.allocate(16)!;
    const allocLine = here() - 1;
    heap.free(p);
    const freeLine = here() - 1;
    f.m.core.read8(p + 3);
    const accessLine = here() - 1;
    const r = f.checker.reports[0]!;
    expect(r.kind).toBe("use-after-free");
    expect([r.source?.line, r.block?.allocated.source?.line, r.block?.freed?.source?.line]).toEqual([
      accessLine,
      allocLine,
      freeLine,
    ]);
    expect(r.source!.file).toMatch(/packages\/memcheck\/src\/source-site\.test\.ts$/);
    const text = formatReport(r);
    expect(text).toContain(`    #0 ${r.source!.file}:${accessLine}:`);
    expect(text).toContain(`allocated here:\n    #0 ${r.source!.file}:${allocLine}:`);
    expect(text).toContain(`freed here:\n    #0 ${r.source!.file}:${freeLine}:`);
    expect(text.split("\n").at(-1)).toMatch(
      /^SUMMARY: memcheck: use-after-free 0x[0-9a-f]{8} task sensor, .*source-site\.test\.ts:\d+:\d+/,
    );
  });

  it("off by default: no stacks captured, no source lines", () => {
    const f = setup();
    f.user(SENSOR);
    const heap = checkedAllocator(f.checker, f.heap);
    const p = heap.allocate(16)!;
    heap.free(p);
    f.m.core.read8(p);
    const r = f.checker.reports[0]!;
    expect([r.source, r.block!.allocated.source, r.block!.freed!.source]).toEqual([null, null, null]);
    expect(formatReport(r)).not.toContain("#0");
  });

  it("a call the kernel carries out later takes the stack captured when the task made it", () => {
    const f = setup({ sourceSites: true });
    f.user(SENSOR);
    const heap = checkedAllocator(f.checker, f.heap);
    const p = heap.allocate(16)!;
    const call = captureStack(); // where the task made the call (its `yield* t.free(p)`)
    const callLine = here() - 1;
    f.checker.beginRequest(SENSOR, "free", call);
    f.kernel();
    heap.free(p);
    heap.free(p); // a double free, found while the kernel runs the syscall
    f.checker.endRequest();
    const r = f.checker.reports[0]!;
    expect([r.kind, r.mode, r.task, r.syscall, r.source?.line]).toEqual([
      "double-free",
      "user",
      SENSOR,
      "free",
      callLine,
    ]);
    expect(r.block!.freed!.source!.line).toBe(callLine);
    expect(formatReport(r).split("\n")[1]).toBe("block freed twice (task sensor, user mode, in syscall free)");
  });
});

describe("currentSourceSite", () => {
  // Every frame but the named function's is taken for the simulator's, so the site is the
  // frame of `task` however deep below the capture it lies.
  const only = (name: string): SourceSiteOptions => ({
    map: (f) => (f.function === name ? { ...f, file: "task.ts" } : { ...f, file: "node:sim" }),
  });
  /** Calls `f` `depth` frames below a function named `task`. */
  function task(depth: number, f: () => unknown): unknown {
    const down = (n: number): unknown => (n === 0 ? f() : down(n - 1));
    return down(depth);
  }
  const fields = (s: { file: string; function: string | null } | null) => (s ? [s.file, s.function] : null);

  it("finds the site a full capture finds: near the capture, past the shallow depth, and none past the full depth", () => {
    for (const depth of [0, 5, 15, 20]) {
      const [now, full] = task(depth, () => [
        currentSourceSite(only("task")),
        firstSourceSite(captureStack().stack ?? "", only("task")),
      ]) as unknown[];
      expect([depth, fields(now as never)]).toEqual([depth, ["task.ts", "task"]]);
      expect(fields(now as never)).toEqual(fields(full as never));
    }
    expect(task(30, () => currentSourceSite(only("task")))).toBeNull(); // beyond the 24 frames a capture keeps
  });
});
