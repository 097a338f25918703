import { MPS2_AN505, MPS3_AN547, MpuReg, STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { bootKernel } from "./boot.js";
import type { Kernel } from "./kernel.js";
import { type KTask, TcbField, tcbBytes } from "./task-record.js";

/** The words of a task's TCB from TcbField.MPU on, as kernel memory holds them. */
function storedRecord(k: Kernel, t: KTask): number[] {
  const n = k.mpuDriver.recordWords;
  const bytes = k.machine.bus.peek(t.tcb + TcbField.MPU, 4 * n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: n }, (_, i) => view.getUint32(4 * i, true));
}

describe("a task's MPU plan lives in its TCB (TcbField.MPU)", () => {
  it.each([
    { board: STM32F407, words: 16, bytes: 96 },
    { board: MPS2_AN505, words: 19, bytes: 108 },
    { board: MPS3_AN547, words: 35, bytes: 172 },
  ])(
    "$board.name: the TCB ends with the plan's record ($words words, $bytes bytes a TCB)",
    ({ board, words, bytes }) => {
      const k = bootKernel({ board, partitions: [{ name: "p", size: 1024 }] });
      const a = k.spawn({ name: "a", partitions: { p: "rw" }, *main() {} });
      const b = k.spawn({ name: "b", *main() {} });
      expect(k.mpuDriver.recordWords).toBe(words);
      expect(tcbBytes(words)).toBe(bytes);
      for (const t of [a, b]) expect(storedRecord(k, t)).toEqual([...t.plan.record]);
      expect(Math.abs(b.tcb - a.tcb)).toBeGreaterThanOrEqual(bytes); // the TCBs do not overlap
      expect(storedRecord(k, a)).not.toEqual(storedRecord(k, b));
    },
  );

  it("a grant stores the new plan's record; the switch to the task loads it", () => {
    const k = bootKernel({ board: STM32F407, partitions: [{ name: "p", size: 1024 }] });
    const a = k.spawn({
      name: "a",
      *main(t) {
        yield* t.yield();
        t.write32(k.partitions.get("p")!.base, 7); // granted meanwhile
      },
    });
    const before = storedRecord(k, a);
    k.grant(a, "p", "rw");
    expect(storedRecord(k, a)).toEqual([...a.plan.record]);
    expect(storedRecord(k, a)).not.toEqual(before);
    k.run({ ms: 2 });
    expect(k.faults).toEqual([]);
    expect(k.machine.bus.peek(k.partitions.get("p")!.base, 1)[0]).toBe(7);
  });

  it("a privileged task that rewrites another task's record gives it the regions it wrote, at that task's next switch-in", () => {
    const k = bootKernel({ board: STM32F407, partitions: [{ name: "p", size: 1024, region: "SRAM1" }] });
    const p = k.partitions.get("p")!.base;
    const seen: number[] = [];
    const victim = k.spawn({
      name: "victim",
      priority: 2,
      *main(t) {
        yield* t.sleep({ ms: 1 });
        seen.push(t.read32(p)); // never granted "p": readable only through the rewritten record
      },
    });
    k.spawn({
      name: "admin",
      priority: 1,
      privileged: true,
      *main(t) {
        // Region 6 (free in the victim's plan) over SRAM1 and SRAM2, full access: RBAR | VALID | 6, RASR.
        t.write32(victim.tcb + TcbField.MPU + 8 * 6, 0x20000016);
        t.write32(victim.tcb + TcbField.MPU + 8 * 6 + 4, ((1 << 28) | (3 << 24) | (16 << 1) | 1) >>> 0);
        t.write32(p, 0xa5a5a5a5);
        yield* t.exit();
      },
    });
    expect(victim.plan.regions[6]).toBe(null);
    k.run({ ms: 3 });
    expect(k.faults).toEqual([]);
    expect(seen).toEqual([0xa5a5a5a5]);
  });
});

describe("a switch whose read of the TCB faults under the previous task's forged record", () => {
  it("is the incoming task's fault, named as the TCB read it is, with the registers shown as the previous task's", () => {
    const k = bootKernel({ board: STM32F407 });
    const kb = k.kernelBlock;
    const victim = k.spawn({
      name: "victim",
      priority: 2,
      *main(t) {
        yield* t.sleep({ ms: 1 });
      },
    });
    const admin = k.spawn({
      name: "admin",
      priority: 1,
      privileged: true,
      *main(t) {
        // The victim's region 7 (the kernel's block) rewritten: AP = 000, no access even privileged.
        t.write32(victim.tcb + TcbField.MPU + 8 * 7, (kb.base | 0x10 | 7) >>> 0);
        t.write32(victim.tcb + TcbField.MPU + 8 * 7 + 4, ((1 << 28) | ((Math.log2(kb.size) - 1) << 1) | 1) >>> 0);
        yield* t.sleep({ ms: 2 });
      },
    });
    expect(kb).toEqual({ base: 0x20004000, size: 8192, order: 3 });
    expect(admin.tcb).toBe(0x20004070);
    expect(k.run({ ms: 4 }).reason).toBe("no-tasks");
    // The victim ran on its forged record and ended; PendSV then read the admin's saved SP from
    // its TCB with the victim's regions still loaded (as FreeRTOS-MPU's PendSV does, before the
    // record's LDMs): the kernel's own read faults. The admin's record was never touched.
    expect(k.faults.map((f) => [f.task, f.kind, f.message])).toEqual([
      [
        "admin",
        "memmanage",
        "the TCB's saved stack pointer at 0x20004070 could not be read while restoring the context (the MPU held another configuration's regions): MemManage DACCVIOL|MMARVALID at 0x20004070 on read of 4 byte(s) at 0x20004070",
      ],
    ]);
    const dump = k.faults[0]!.dump.split("\n");
    const at = dump.findIndex((l) => l.startsWith("MPU regions"));
    expect(dump.slice(at)).toEqual([
      `MPU regions (not the task's plan: the switch had not loaded its record yet; the registers held the regions of task "victim"):`,
      "  # 0 0x10000400   1 KiB rw              XN normal subregions 11111111",
      "  # 1 0x10000400    32 B priv-ro         XN normal",
      "  # 2 0x10001000   4 KiB rw              XN normal subregions 11111111",
      "  # 3 0x08001000   4 KiB ro              X  normal subregions 11111111",
      "  # 4 disabled",
      "  # 5 disabled",
      "  # 6 disabled",
      "  # 7 0x20004000   8 KiB none            XN strongly-ordered subregions 11111111",
    ]);
  });
});

describe("a restart when the MPU holds a forged record", () => {
  it("stores the task's record and makes the restart's fetch and first frame with it loaded, not under the forged regions", () => {
    const k = bootKernel({ board: MPS2_AN505 });
    const seen: string[] = [];
    const victim = k.spawn({
      name: "victim",
      priority: 2,
      faultPolicy: { restart: 1 },
      *main(t) {
        seen.push(`start ${storedRecord(k, victim)[0]}`);
        yield* t.sleep({ ms: 1 });
        seen.push("woke");
      },
    });
    k.spawn({
      name: "admin",
      priority: 1,
      privileged: true,
      *main(t) {
        // MAIR0 = 0: every attribute index Device-nGnRnE, so the victim's code is Device memory,
        // execute-never: its next switch-in loads that and its first fetch faults.
        t.write32(victim.tcb + TcbField.MPU, 0);
        yield* t.sleep({ ms: 3 });
      },
    });
    expect(victim.code).toBe(0x1000);
    expect(k.run({ ms: 4 }).reason).toBe("no-tasks");
    expect(k.faults.map((f) => [f.task, f.kind, f.message, f.action])).toEqual([
      ["victim", "memmanage", "MemManage IACCVIOL on fetch of 2 byte(s) at 0x00001000", "restarted"],
    ]);
    expect(k.faults[0]!.dump).toContain(
      "MPU regions (not the task's plan: its TCB's MPU record was overwritten, and loaded as found):",
    );
    // Its first run ended at its first fetch after the sleep; restarted on its plan (MAIR0 stored
    // again), it ran to its end.
    expect(seen).toEqual([`start ${victim.plan.record[0]}`, `start ${victim.plan.record[0]}`, "woke"]);
    expect(storedRecord(k, victim)).toEqual([...victim.plan.record]);
  });
});

describe("a grant whose record stores fault under the caller's forged record", () => {
  it("is the caller's fault and changes nothing: the task keeps the plan its TCB holds", () => {
    const k = bootKernel({ board: STM32F407, partitions: [{ name: "p", size: 1024 }] });
    const kb = k.kernelBlock;
    const p = k.partitions.get("p")!.base;
    const victim = k.spawn({
      name: "victim",
      priority: 2,
      *main(t) {
        yield* t.sleep({ ms: 3 });
        t.read32(p);
      },
    });
    // Wakes at 1 ms, so the admin's switch-in after its sleep loads its own record again.
    k.spawn({
      name: "ticker",
      priority: 3,
      *main(t) {
        yield* t.sleep({ ms: 1 });
      },
    });
    const admin = k.spawn({
      name: "admin",
      priority: 1,
      privileged: true,
      *main(t) {
        // Its own region 7 (the kernel's block) rewritten privileged read-only (AP = 101).
        t.write32(admin.tcb + TcbField.MPU + 8 * 7, (kb.base | 0x10 | 7) >>> 0);
        t.write32(
          admin.tcb + TcbField.MPU + 8 * 7 + 4,
          ((1 << 28) | (5 << 24) | ((Math.log2(kb.size) - 1) << 1) | 1) >>> 0,
        );
        yield* t.sleep({ ms: 2 });
        yield* t.grant("p", "victim", "rw");
      },
    });
    const plan = victim.plan;
    expect(victim.tcb + TcbField.MPU).toBe(0x20004028);
    expect(k.run({ ms: 5 }).reason).toBe("no-tasks");
    expect(k.faults.map((f) => [f.task, f.kind, f.message])).toEqual([
      ["admin", "memmanage", "MemManage DACCVIOL|MMARVALID at 0x20004028 on write of 4 byte(s) at 0x20004028"],
      [
        "victim",
        "memmanage",
        `MemManage DACCVIOL|MMARVALID at ${`0x${p.toString(16).padStart(8, "0")}`} on read of 4 byte(s) at ${`0x${p.toString(16).padStart(8, "0")}`}`,
      ],
    ]);
    // Nothing changed: the victim's plan, grants and TCB record are those before the grant, and
    // its dump lists its plan (the record the switch loaded is its plan's).
    expect(victim.plan).toBe(plan);
    expect(victim.grants.map((g) => g.id)).toEqual(["stack", "heap", "code"]);
    expect(storedRecord(k, victim)).toEqual([...plan.record]);
    expect(k.faults[1]!.dump).toContain("MPU regions:\n");
    expect(k.faults[1]!.dump).not.toContain("not the task's plan");
    // The records say the same: the admin faulted under its own forged record (region 7
    // privileged read-only, held by no other configuration), the victim under its plan.
    const held = k.faults[0]!.mpuHeld!;
    expect(held.heldBy).toBeUndefined();
    expect(held.regions.map((r) => r.number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(held.regions[7]).toMatchObject({ enabled: true, base: kb.base, size: kb.size, access: "priv-ro" });
    expect(k.faults[1]!.mpuHeld).toBeUndefined();
  });
});

describe("a privileged task that writes the MPU's registers itself", () => {
  it("runs with what it wrote (the loader's cache does not see it), and its fault dump and record show the registers, saying so", () => {
    const k = bootKernel({ board: STM32F407, partitions: [{ name: "p", size: 1024 }] });
    const p = k.partitions.get("p")!.base;
    const admin = k.spawn({
      name: "admin",
      privileged: true,
      partitions: { p: "rw" },
      *main(t) {
        const n = admin.plan.regions.findIndex((r) => r?.label === "partition p (rw)");
        t.write32(MpuReg.RNR, n);
        t.write32(MpuReg.RASR, (t.read32(MpuReg.RASR) & ~(7 << 24)) >>> 0); // AP = 000: no access at all
        yield* t.yield(); // its own plan stays loaded (the loader skips it)
        t.read32(p); // MemManage, privileged as it is
      },
    });
    k.run({ ms: 2 });
    const f = k.faults[0]!;
    expect([f.kind, f.hw?.access.privileged, f.hw?.faultAddress]).toEqual(["memmanage", true, p]);
    expect(k.loader.current).toBe(admin.plan); // the loader still believes its plan is loaded
    expect(f.dump).toContain(
      "MPU regions (not the task's plan: its MPU registers were written since its plan was loaded):",
    );
    expect(f.mpuHeld?.reason).toBe("its MPU registers were written since its plan was loaded");
    expect(f.mpuHeld?.heldBy).toBeUndefined();
    const n = admin.plan.regions.findIndex((r) => r?.label === "partition p (rw)");
    expect(f.mpuHeld?.regions[n]).toMatchObject({ base: p, access: "none", enabled: true });
    expect(admin.plan.views()[n]).toMatchObject({ base: p, access: "rw" });
  });
});

describe("a record that denies its own task its stack", () => {
  it("faults the switch-in's restore, which says the context lies in the stack and the regions deny it (not a corrupt SP)", () => {
    const k = bootKernel({ board: STM32F407 });
    const victim = k.spawn({
      name: "victim",
      *main(t) {
        for (;;) yield* t.sleep({ ms: 1 });
      },
    });
    k.spawn({
      name: "admin",
      privileged: true,
      *main(t) {
        const stack = victim.plan.regions.findIndex((r) => r?.label === "stack");
        const rasr = victim.tcb + TcbField.MPU + 8 * stack + 4;
        t.write32(rasr, (t.read32(rasr) & ~(7 << 24)) >>> 0); // AP = 000: not even privileged reads
        yield* t.exit();
      },
    });
    k.run({ ms: 3 });
    const f = k.faults[0]!;
    expect([f.task, f.kind, f.hw?.access.privileged]).toEqual(["victim", "memmanage", true]);
    const at = f.hw!.faultAddress!;
    expect(at).toBeGreaterThanOrEqual(victim.stack.base + 32);
    expect(at).toBeLessThan(victim.stack.top);
    expect(f.message).toBe(
      `the saved context at 0x${at.toString(16).padStart(8, "0")} lies in the task's stack, but the MPU regions loaded for it deny the kernel reading it (its TCB's MPU record was overwritten): MemManage DACCVIOL|MMARVALID at 0x${at.toString(16).padStart(8, "0")} on read of 4 byte(s) at 0x${at.toString(16).padStart(8, "0")} while restoring the context`,
    );
    expect(f.dump).toContain(
      "MPU regions (not the task's plan: its TCB's MPU record was overwritten, and loaded as found):",
    );
  });
});

describe("a privileged task that writes MPU_CTRL itself", () => {
  it.each([
    ["PMSAv7", STM32F407],
    ["PMSAv8", MPS2_AN505],
  ])(
    "%s: its fault's dump and record show MPU_CTRL without PRIVDEFENA, which explains the fault the unchanged regions do not",
    (_, board) => {
      const k = bootKernel({ board });
      k.spawn({
        name: "admin",
        privileged: true,
        *main(t) {
          t.write32(MpuReg.CTRL, 1); // ENABLE without PRIVDEFENA: no background region for privileged code
          yield* t.yield();
          t.read32(0x40010000); // a peripheral the default map gave it
        },
      });
      k.run({ ms: 2 });
      const f = k.faults[0]!;
      expect([f.kind, f.hw?.access.privileged, f.hw?.faultAddress]).toEqual(["memmanage", true, 0x40010000]);
      expect(f.dump).toContain(
        "MPU_CTRL = 0x00000001 (ENABLE), not the 0x00000005 (ENABLE PRIVDEFENA) the kernel set\n",
      );
      expect(f.dump).toContain(
        "MPU regions (not the task's plan: its MPU registers were written since its plan was loaded):",
      );
      expect(f.mpuHeld).toMatchObject({
        control: 1,
        reason: "its MPU registers were written since its plan was loaded",
      });
    },
  );

  it("an ordinary fault says nothing of MPU_CTRL", () => {
    const k = bootKernel({ board: STM32F407 });
    k.spawn({
      name: "user",
      *main(t) {
        yield* t.yield();
        t.read32(0x40010000);
      },
    });
    k.run({ ms: 2 });
    const f = k.faults[0]!;
    expect(f.kind).toBe("memmanage");
    expect(f.dump).not.toContain("MPU_CTRL");
    expect(f.dump).toContain("\nMPU regions:\n");
    expect(f.mpuHeld).toBeUndefined();
  });
});

describe("a forged record that changes only PSPLIM (PMSAv8: the record's last word)", () => {
  it("faults the task at its next push below it, and the dump and record name PSPLIM, with the regions as the plan's", () => {
    const k = bootKernel({ board: MPS2_AN505 });
    const victim = k.spawn({
      name: "victim",
      *main(t) {
        yield* t.sleep({ ms: 1 });
        t.push(256);
        yield* t.exit();
      },
    });
    let forged = 0;
    k.spawn({
      name: "admin",
      privileged: true,
      *main(t) {
        const last = victim.tcb + TcbField.MPU + 4 * (k.mpuDriver.recordWords - 1);
        forged = (victim.stack.top - 64) >>> 0; // above the victim's SP: its next push is below it
        t.write32(last, forged);
        yield* t.exit();
      },
    });
    k.run({ ms: 3 });
    expect(victim.plan.stackLimit).toBe(victim.stack.base + 32);
    const f = k.faults[0]!;
    const hex = (v: number) => `0x${v.toString(16).padStart(8, "0")}`;
    expect([f.task, f.kind, f.hw?.cfsrNames, f.message]).toEqual([
      "victim",
      "stack-overflow",
      ["STKOF"],
      `stack overflow: stack pointer below the stack limit ${hex(forged)}, not the guard's top ${hex(victim.stack.base + 32)} the kernel set (UsageFault STKOF)`,
    ]);
    const reason = `the plan's regions, but its TCB's MPU record was overwritten, and loaded as found: PSPLIM ${hex(forged)}, the plan's ${hex(victim.stack.base + 32)}`;
    expect(f.mpuHeld?.reason).toBe(reason);
    expect(f.mpuHeld?.stackLimit).toEqual({ value: forged, plan: victim.stack.base + 32 });
    expect(f.mpuHeld?.regionsSame).toBe(true);
    const dump = f.dump.split("\n");
    const at = dump.indexOf(`MPU regions (${reason}):`);
    expect(at).toBeGreaterThan(0);
    // The regions are listed with the plan's labels: they are the plan's.
    expect(dump.slice(at + 1).some((l) => l.includes("stack"))).toBe(true);
  });

  it("PMSAv7: a RASR word with a reserved bit set loads the same regions, said so", () => {
    const k = bootKernel({ board: STM32F407 });
    const victim = k.spawn({
      name: "victim",
      *main(t) {
        yield* t.sleep({ ms: 1 });
        t.read32(0x30000000); // outside its regions: a MemManage fault
      },
    });
    k.spawn({
      name: "admin",
      privileged: true,
      *main(t) {
        const rasr = victim.tcb + TcbField.MPU + 8 * 1 + 4; // region 1's RASR
        t.write32(rasr, (t.read32(rasr) | 0x80) >>> 0); // bit 7: reserved, not stored by the MPU
        yield* t.exit();
      },
    });
    k.run({ ms: 3 });
    const f = k.faults[0]!;
    expect([f.task, f.kind, f.mpuHeld?.regionsSame]).toEqual(["victim", "memmanage", true]);
    expect(f.mpuHeld?.reason).toContain("the words that differ load the same regions");
  });

  it.each([
    ["PMSAv8", MPS2_AN505],
    ["PMSAv7", STM32F407],
  ] as const)(
    "%s: a record that changes only a disabled region's words (it stays disabled) holds the plan's regions, labelled as the plan's",
    (_, board) => {
      const k = bootKernel({ board });
      const victim = k.spawn({
        name: "victim",
        *main(t) {
          yield* t.sleep({ ms: 1 });
          t.read32(0x30000000); // outside its regions: a MemManage fault
        },
      });
      const free = victim.plan.views().findIndex((v) => !v.enabled);
      k.spawn({
        name: "admin",
        privileged: true,
        *main(t) {
          // The free region's RBAR: a base, the region left disabled (PMSAv8: after MAIR0/1; PMSAv7:
          // VALID and REGION select it, as the plan's own word does).
          const v8 = board === MPS2_AN505;
          const at = victim.tcb + TcbField.MPU + (v8 ? 8 : 0) + 8 * free;
          t.write32(at, v8 ? 0x20000000 : (0x20000000 | 0x10 | free) >>> 0);
          yield* t.exit();
        },
      });
      k.run({ ms: 3 });
      expect(free).toBeGreaterThan(0);
      expect(k.machine.mpu.region(free).enabled).toBe(false);
      expect(k.machine.mpu.region(free).base).toBe(0x20000000); // the forged word was loaded
      const f = k.faults[0]!;
      const reason = `the plan's regions, but its TCB's MPU record was overwritten, and loaded as found: the words that differ load the same regions (reserved bits, a disabled region's words${board === MPS2_AN505 ? ", a MAIR attribute no region uses" : ""})`;
      expect([f.task, f.kind, f.mpuHeld?.regionsSame, f.mpuHeld?.reason]).toEqual([
        "victim",
        "memmanage",
        true,
        reason,
      ]);
      const dump = f.dump.split("\n");
      const at = dump.indexOf(`MPU regions (${reason}):`);
      expect(at).toBeGreaterThan(0);
      expect(dump.slice(at + 1).some((l) => l.includes("stack"))).toBe(true);
    },
  );

  it("a record whose words differ only in a MAIR attribute no region uses says its words load the same regions", () => {
    const k = bootKernel({ board: MPS2_AN505 });
    const victim = k.spawn({
      name: "victim",
      *main(t) {
        yield* t.sleep({ ms: 1 });
        t.read32(0x30000000); // outside its regions: a MemManage fault
      },
    });
    k.spawn({
      name: "admin",
      privileged: true,
      *main(t) {
        const mair1 = victim.tcb + TcbField.MPU + 4;
        t.write32(mair1, (t.read32(mair1) ^ 0xff000000) >>> 0); // attribute index 7: no region uses it
        yield* t.exit();
      },
    });
    k.run({ ms: 3 });
    const f = k.faults[0]!;
    expect(f.task).toBe("victim");
    expect(f.mpuHeld?.reason).toBe(
      "the plan's regions, but its TCB's MPU record was overwritten, and loaded as found: the words that differ load the same regions (reserved bits, a disabled region's words, a MAIR attribute no region uses)",
    );
    expect(f.mpuHeld?.stackLimit).toBeUndefined();
  });
});
