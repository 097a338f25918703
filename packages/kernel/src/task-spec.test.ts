import { STM32F407, STM32H743XI } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { bootKernel } from "./boot.js";
import { Errno } from "./syscalls.js";
import { partitionGrant } from "./task-spec.js";

describe("partition grants by identity", () => {
  it("a partition's grant carries its id; the label is only for reports", () => {
    expect(partitionGrant("ring", "ro", { id: 3, base: 0x20008000, size: 1024 })).toEqual({
      id: "partition:3",
      label: "partition ring (ro)",
      partition: 3,
      base: 0x20008000,
      size: 1024,
      access: "ro",
    });
  });

  it("re-granting one partition replaces its grant only, whatever the other partitions are called", () => {
    // "a (b" has a label that starts like a's ("partition a (..."): matching labels would drop it.
    const k = bootKernel({
      board: STM32H743XI,
      partitions: [
        { name: "a", size: 1024 },
        { name: "a (b", size: 1024 },
      ],
    });
    const [a, ab] = [k.partitions.get("a")!, k.partitions.get("a (b")!];
    expect([a.id, ab.id]).toEqual([1, 2]);
    const t = k.spawn({ name: "t", partitions: { a: "ro", "a (b": "rw" }, *main() {} });
    k.grant(t, "a", "rw");
    expect(t.grants.filter((g) => g.partition !== undefined).map((g) => [g.partition, g.access, g.label])).toEqual([
      [ab.id, "rw", "partition a (b (rw)"],
      [a.id, "rw", "partition a (rw)"],
    ]);
  });

  it("the grant syscall asks whether the caller holds that partition read-write, by id", () => {
    const k = bootKernel({
      board: STM32H743XI,
      partitions: [
        { name: "p", size: 1024 },
        { name: "q", size: 1024 },
      ],
    });
    k.spawn({ name: "other", *main() {} });
    const got: unknown[] = [];
    k.spawn({
      name: "owner",
      partitions: { p: "rw", q: "ro" },
      *main(t) {
        got.push(yield* t.grant("p", "other", "ro"), yield* t.grant("q", "other", "ro"));
      },
    });
    k.run({ ms: 1 });
    expect(got).toEqual([Errno.OK, Errno.EPERM]);
    expect(k.task("other")!.grants.map((g) => g.label)).toContain("partition p (ro)");
  });
});

describe("a task's memory region (TaskSpec.region)", () => {
  const spec = (name: string, region?: string) => ({
    name,
    region,
    heapSize: 2048,
    *main() {},
  });

  it("STM32F407: by default the stack and heap come from the CCM; with region SRAM1 from SRAM1 (where a DMA reaches)", () => {
    const k = bootKernel({ board: STM32F407 });
    const ccm = k.spawn(spec("ccm"));
    const sram = k.spawn(spec("sram", "SRAM1"));
    const where = (t: typeof ccm) => [
      k.regions.pageInfo(t.stack.base)?.region,
      k.regions.pageInfo(t.heap!.base)?.region,
    ];
    expect([where(ccm), where(sram)]).toEqual([
      ["CCM", "CCM"],
      ["SRAM1", "SRAM1"],
    ]);
    expect(k.whoseMemory(sram.stack.base)).toBe('the stack guard of task "sram"');
  });

  it("a region the region manager does not manage is BAD_TASK naming the field and the choices, and nothing is taken", () => {
    const k = bootKernel({ board: STM32F407 });
    const before = k.regions.owners().length;
    for (const region of ["Flash", "sram1", "BackupSRAM-x", 7 as unknown as string]) {
      expect(() => k.spawn(spec("t", region))).toThrow(
        expect.objectContaining({
          code: "BAD_TASK",
          context: { task: "t", field: "region" },
          message: 'BAD_TASK: task "t": region must be one of the board\'s RAM regions: CCM, SRAM1, SRAM2',
        }),
      );
    }
    expect([k.regions.owners().length, k.tasks().length]).toEqual([before, 0]);
  });

  it("a region too small for the stack is OUT_OF_MEMORY naming it", () => {
    const k = bootKernel({ board: STM32F407 });
    expect(() => k.spawn({ ...spec("big", "SRAM2"), stackSize: 32 * 1024 })).toThrow(
      expect.objectContaining({
        code: "OUT_OF_MEMORY",
        message: "OUT_OF_MEMORY: no room for the stack of big in region SRAM2",
      }),
    );
  });
});

describe("fields whose wrong type was taken as a value", () => {
  it('privileged that is not a boolean is BAD_TASK: 1 or "false" made a privileged task that read the kernel\'s block', () => {
    const k = bootKernel({ board: STM32F407, partitions: [{ name: "p", size: 1024 }] });
    const before = k.regions.owners().length;
    for (const privileged of [1, "false", "true", 0, null, {}]) {
      expect(() => k.spawn({ name: "t", privileged: privileged as never, *main() {} })).toThrow(
        expect.objectContaining({
          code: "BAD_TASK",
          context: { task: "t", field: "privileged" },
          message: 'BAD_TASK: task "t": privileged must be true or false',
        }),
      );
    }
    expect([k.regions.owners().length, k.tasks().length]).toEqual([before, 0]);
    // The booleans still work, and an unprivileged task's read of the kernel's block is a MemManage fault.
    const reads: string[] = [];
    for (const privileged of [false, true]) {
      k.spawn({
        name: privileged ? "root" : "user",
        privileged,
        *main(t) {
          t.read32(k.kernelBlock.base);
          reads.push(t.name);
          yield* t.yield();
        },
      });
    }
    k.run({ ms: 1 });
    expect(reads).toEqual(["root"]);
    expect(k.faults.map((f) => [f.task, f.kind, f.hw?.cfsr, f.hw?.faultAddress])).toEqual([
      ["user", "memmanage", 0x82, k.kernelBlock.base],
    ]);
    expect(k.tasks().map((t) => [t.name, t.privileged])).toEqual([
      ["user", false],
      ["root", true],
    ]);
  });

  it("partitions that is not an object of name: access is BAD_TASK (5, true or an array granted nothing, in silence)", () => {
    const k = bootKernel({ board: STM32F407, partitions: [{ name: "p", size: 1024 }] });
    const before = k.regions.owners().length;
    for (const partitions of [5, true, "p", [], ["p"], null]) {
      expect(() => k.spawn({ name: "t", partitions: partitions as never, *main() {} })).toThrow(
        expect.objectContaining({
          code: "BAD_TASK",
          context: { task: "t", field: "partitions" },
          message: 'BAD_TASK: task "t": partitions must be an object of name: "ro" or "rw"',
        }),
      );
    }
    expect([k.regions.owners().length, k.tasks().length]).toEqual([before, 0]);
    expect(k.spawn({ name: "ok", partitions: { p: "rw" }, *main() {} }).grants.map((g) => g.label)).toContain(
      "partition p (rw)",
    );
  });
});
