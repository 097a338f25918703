import { STM32H743XI } from "@rtos-sim/hw";
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
