import { describe, expect, it } from "vitest";
import type { KernelOptions, TaskSpec } from "./config.js";
import type { KernelError } from "./errors.js";
import type { HeapGate } from "./heap-gate.js";
import { bootTest } from "./test-kit.js";

function run(options: Partial<KernelOptions>, spec: Omit<TaskSpec, "name">) {
  const k = bootTest(options);
  k.spawn({ name: "h", ...spec });
  k.run({ ms: 20 });
  return k;
}

describe("task heaps with the checker: a correct program gets the same answers", () => {
  it("a malloc(100)/free loop never returns NULL (it did from about the 16th round: the quarantine was the heap's size)", () => {
    for (const memcheck of [false, true, { quarantineBytes: 4096 }]) {
      const got: number[] = [];
      const k = run(
        { memcheck },
        {
          *main(t) {
            for (let i = 0; i < 100; i++) {
              const p = yield* t.malloc(100);
              got.push(p);
              if (p !== 0) t.memset(p, i, 100);
              yield* t.free(p);
            }
          },
        },
      );
      expect(got.filter((p) => p === 0)).toEqual([]);
      expect([k.faults, k.checker?.reports ?? []]).toEqual([[], []]);
    }
  });

  it("a realloc loop grows a block the same way with and without the checker", () => {
    const results = [false, true].map((memcheck) => {
      const got: boolean[] = [];
      run(
        { memcheck },
        {
          *main(t) {
            let p = yield* t.malloc(16);
            t.memset(p, 0x5a, 16);
            for (let n = 32; n <= 1536; n += 32) {
              const q = yield* t.realloc(p, n);
              got.push(q !== 0 && t.read8(q + 15) === 0x5a);
              if (q !== 0) {
                p = q;
                t.memset(p, 0x5a, n);
              }
            }
            yield* t.free(p);
          },
        },
      );
      return got;
    });
    expect(results[1]).toEqual(results[0]);
    expect(results[0]!.every((x) => x)).toBe(true);
  });

  it("the quarantine holds at most a quarter of the task's heap", () => {
    const k = bootTest({ memcheck: { quarantineBytes: 64 * 1024 } });
    const t = k.spawn({ name: "h", heapSize: 8192, *main() {} });
    const checked = (t.heap!.allocator as HeapGate).inner as unknown as { quarantineBytes: number };
    expect(checked.quarantineBytes).toBe(2048);
  });
});

describe("use after free of pages in a slab-array heap (KASAN: the slab's page went back to the page allocator)", () => {
  /** 16 records of 24 bytes in three slabs, all freed, then the heap churned until the quarantine let them go. */
  function* pager(t: Parameters<TaskSpec["main"]>[0], stale: boolean, out: number[]) {
    const records: number[] = [];
    for (let i = 0; i < 16; i++) records.push(yield* t.calloc(1, 24));
    const last = records.at(-1)!;
    if (!stale) t.read32(last); // fixed twin: used while live
    for (const r of records) yield* t.free(r);
    for (let i = 0; i < 8; i++) yield* t.free(yield* t.malloc(200));
    out.push(last);
    if (stale) out.push(t.read32(last)); // the last record's slab went back to the heap's page pool
  }

  it("a read through a stale pointer into returned slab pages: use-after-free naming the pages; fixed: read before", () => {
    const out: number[] = [];
    const k = run(
      { memcheck: true },
      {
        heap: "slab-array",
        *main(t) {
          yield* pager(t, true, out);
        },
      },
    );
    const reports = k.checker!.reports;
    expect(reports.map((r) => [r.kind, r.address, r.access, r.block])).toEqual([
      ["use-after-free", out[0], "read", null],
    ]);
    const pages = reports[0]!.pages!;
    expect(pages).toMatchObject({
      size: 512,
      pageSize: 128,
      order: 2,
      owner: "slab-array:h",
      offset: out[0]! - pages.address,
    });
    expect([pages.freed.taskName, pages.given.taskName]).toEqual(["h", "h"]);
    expect(pages.freed.time).toBeGreaterThan(pages.given.time);

    const fixed = run(
      { memcheck: true },
      {
        heap: "slab-array",
        *main(t) {
          yield* pager(t, false, []);
        },
      },
    );
    expect(fixed.checker!.reports).toEqual([]);
  });
});

describe("a heap too small for its allocator's own metadata", () => {
  const spawn = (heap: "tlsf" | "heap", heapSize: number) => {
    const k = bootTest();
    const free = k.regions.stats().map((r) => r.freePages);
    try {
      k.spawn({ name: "tiny", heap, heapSize, *main() {} });
      return { k, error: null, free };
    } catch (e) {
      return { k, error: e as KernelError, free };
    }
  };

  it("a 1 KiB TLSF heap (its 1,636-byte control block does not fit) is BAD_TASK naming 2 KiB, and changes nothing", () => {
    const { k, error, free } = spawn("tlsf", 1024);
    expect([error?.code, error?.message]).toEqual([
      "BAD_TASK",
      'BAD_TASK: task "tiny": heapSize gives a 1024-byte tlsf heap, whose own metadata leave 0 bytes for blocks: ask for at least 2048 bytes, or another heap kind',
    ]);
    expect(error?.context).toMatchObject({ task: "tiny", field: "heapSize", room: 0, kind: "tlsf" });
    expect(k.task("tiny")).toBeUndefined();
    expect(k.regions.stats().map((r) => r.freePages)).toEqual(free);
  });

  it("a 1 KiB kernel heap (kernelHeapSize) is BAD_CONFIG naming that option", () => {
    let error: KernelError | null = null;
    try {
      bootTest({ kernelHeapSize: 1024 });
    } catch (e) {
      error = e as KernelError;
    }
    expect([error?.code, error?.message, error?.context.field]).toEqual([
      "BAD_CONFIG",
      "BAD_CONFIG: kernelHeapSize gives a 1024-byte tlsf heap, whose own metadata leave 0 bytes for blocks: ask for at least 2048 bytes",
      "kernelHeapSize",
    ]);
  });

  it("a 2 KiB TLSF heap and a 1 KiB first-fit heap allocate", () => {
    for (const [heap, size] of [
      ["tlsf", 2048],
      ["heap", 1024],
    ] as const) {
      const { k, error } = spawn(heap, size);
      expect(error).toBeNull();
      expect(k.task("tiny")!.heap!.allocator.allocate(16, 8)).not.toBeNull();
    }
  });
});
