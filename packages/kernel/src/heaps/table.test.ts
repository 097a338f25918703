import { describe, expect, expectTypeOf, it } from "vitest";
import readme from "../../README.md?raw";
import type { TaskSpec } from "../config.js";
import { bootTest } from "../test-kit.js";
import { HEAP_KIND_NAMES, HEAP_KINDS, type HeapKind, isHeapKind } from "./table.js";

describe("the heap-kind table", () => {
  it("is the single source of TaskSpec.heap", () => {
    expectTypeOf<NonNullable<TaskSpec["heap"]>>().toEqualTypeOf<HeapKind>();
    expect(HEAP_KIND_NAMES).toEqual(["tlsf", "heap", "slab-array"]);
    expect(isHeapKind("tlsf")).toBe(true);
    expect(isHeapKind("buddy")).toBe(false);
    expect(isHeapKind("toString")).toBe(false);
  });

  it.each(HEAP_KIND_NAMES.map((k) => [k]))(
    "%s: a task heap of that kind, its blocks inside the task's heap block",
    (kind) => {
      const k = bootTest();
      const got: number[] = [];
      const task = k.spawn({
        name: "h",
        heap: kind,
        *main(t) {
          got.push(yield* t.malloc(24));
        },
      });
      k.run({ ms: 1 });
      expect(k.faults).toEqual([]);
      const h = task.heap!;
      expect(h.kind).toBe(kind);
      expect(h.allocator.kind).toBe(kind);
      expect(h.allocator.name).toBe(`${kind}:h`);
      expect(got[0]! >= h.base && got[0]! < h.base + h.size).toBe(true);
      expect(HEAP_KINDS[kind].summary.length).toBeGreaterThan(0);
    },
  );

  it("the kernel README's TaskSpec table lists every kind in its `heap` row", () => {
    const row = readme.split("\n").find((line) => line.startsWith("| `heap` "));
    expect(row, "the README's heap row").toBeDefined();
    const kinds = [...row!.split("|")[3]!.matchAll(/`"([a-z-]+)"`/g)].map((m) => m[1]);
    expect(kinds).toEqual([...HEAP_KIND_NAMES]);
  });

  it("an unknown kind is BAD_TASK listing the table's kinds", () => {
    const k = bootTest();
    expect(() => k.spawn({ name: "x", heap: "buddy" as HeapKind, *main() {} })).toThrow(
      /^BAD_TASK: task "x": heap must be "tlsf", "heap" or "slab-array"$/,
    );
  });
});
