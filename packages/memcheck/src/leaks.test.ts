import { describe, expect, it } from "vitest";
import { DATA, LOGGER, SENSOR, setup } from "./test-setup.js";

describe("leaks", () => {
  it("definitely lost, indirectly lost and still reachable; fixed: a root keeps the chain", () => {
    const f = setup();
    f.user(SENSOR);
    const a = f.heap.allocate(16)!;
    const b = f.heap.allocate(16)!;
    const c = f.heap.allocate(16)!;
    const d = f.heap.allocate(32)!;
    f.m.core.write32(DATA + 8, a + 4); // interior pointer from image data reaches a
    f.m.core.write32(a, b); // a -> b
    f.m.core.write32(c + 12, d); // c -> d, nothing -> c
    const s = f.checker.checkLeaks({ reportReachable: true });
    expect(s.definite.map((x) => x.address)).toEqual([c]);
    expect(s.indirect.map((x) => x.address)).toEqual([d]);
    expect(s.reachable.map((x) => x.address)).toEqual([a, b]);
    expect([s.definiteBytes, s.indirectBytes, s.reachableBytes]).toEqual([16, 32, 32]);
    expect(f.checker.reports.map((r) => [r.kind, r.address, r.taskName, r.message])).toEqual([
      ["leak-definite", c, "sensor", "16 bytes definitely lost"],
      ["leak-indirect", d, "sensor", "32 bytes indirectly lost"],
      ["leak-reachable", a, "sensor", "16 bytes still reachable"],
      ["leak-reachable", b, "sensor", "16 bytes still reachable"],
    ]);

    const g = setup();
    g.user(SENSOR);
    const c2 = g.heap.allocate(16)!;
    const d2 = g.heap.allocate(32)!;
    g.m.core.write32(c2 + 12, d2);
    g.m.core.write32(DATA, c2);
    expect(g.checker.checkLeaks().definite).toEqual([]);
    expect(g.checker.reports).toEqual([]);
  });

  it("a lost cycle: its lowest block definitely lost, the rest indirectly", () => {
    const f = setup();
    f.user(SENSOR);
    const a = f.heap.allocate(16)!;
    const b = f.heap.allocate(16)!;
    const c = f.heap.allocate(16)!;
    f.m.core.write32(a, b);
    f.m.core.write32(b, c);
    f.m.core.write32(c, a);
    const s = f.checker.checkLeaks();
    expect(s.definite.map((x) => x.address)).toEqual([a]);
    expect(s.indirect.map((x) => x.address)).toEqual([b, c]);
  });

  it("at task end: the task's stack is no longer a root, only its own blocks are reported", () => {
    const f = setup();
    f.kernel();
    const stack = f.heap.allocate(128)!;
    f.m.core.write32(DATA, stack); // the kernel's task table holds the stack block
    f.checker.registerStack(SENSOR, stack, 128, stack + 96);
    f.user(SENSOR);
    const mine = f.heap.allocate(24)!;
    f.m.core.write32(stack + 100, mine); // only the stack points to it
    f.user(LOGGER);
    const other = f.heap.allocate(24)!;
    expect(f.checker.checkLeaks().definite.map((b) => b.address)).toEqual([other]);
    f.checker.clearReports();
    f.kernel();
    f.checker.unregisterStack(SENSOR); // the kernel drops the stack and frees its block
    f.heap.free(stack);
    const s = f.checker.taskEnded(SENSOR);
    expect(s.definite.map((b) => b.address)).toEqual([mine]);
    expect(f.checker.reports.map((r) => [r.kind, r.address, r.task])).toEqual([["leak-definite", mine, SENSOR]]);
    expect(f.checker.stacks.has(SENSOR)).toBe(false);
  });

  it("added roots count; removed roots no longer do", () => {
    const f = setup();
    f.user(SENSOR);
    const table = f.heap.allocate(64)!;
    const leaf = f.heap.allocate(8)!;
    f.m.core.write32(table, leaf);
    f.checker.addRoot(table, 64, "task table");
    expect(f.checker.checkLeaks().definite.map((b) => b.address)).toEqual([]);
    f.checker.removeRoot(table);
    expect(f.checker.checkLeaks().definite.map((b) => b.address)).toEqual([table]);
  });
});
