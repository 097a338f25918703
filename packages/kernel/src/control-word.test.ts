import { MPS2_AN505, ScbReg, STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { bootKernel } from "./boot.js";
import type { Kernel } from "./kernel.js";
import { CONTROL_PRIVILEGED, CONTROL_UNPRIVILEGED, type KTask, TcbField } from "./task-record.js";

/** A task's CONTROL word as kernel memory holds it. */
function control(k: Kernel, t: KTask): number {
  const b = k.machine.bus.peek(t.tcb + TcbField.CONTROL, 4);
  return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
}

/** CPUID, a PPB register: privileged code reads it, unprivileged code takes a BusFault. */
const CPUID = ScbReg.CPUID;
/** An address in the STM32F407's flash: a store there is a BusFault (read-only memory). */
const FLASH = 0x08000000;

describe("a task's privilege lives in its TCB (TcbField.CONTROL)", () => {
  it.each([STM32F407, MPS2_AN505])(
    "$name: the TCB holds CONTROL 0x3 for an unprivileged task, 0x2 for a privileged one, right after the saved SP",
    (board) => {
      const k = bootKernel({ board });
      const user = k.spawn({ name: "user", *main() {} });
      const admin = k.spawn({ name: "admin", privileged: true, *main() {} });
      expect(TcbField.CONTROL).toBe(4);
      expect([control(k, user), control(k, admin)]).toEqual([CONTROL_UNPRIVILEGED, CONTROL_PRIVILEGED]);
      expect([CONTROL_UNPRIVILEGED, CONTROL_PRIVILEGED]).toEqual([0x3, 0x2]);
      expect([user.privileged, admin.privileged]).toEqual([false, true]);
    },
  );

  it("a privileged task that writes another task's CONTROL word makes it privileged at its next switch-in; its restart takes it back", () => {
    const k = bootKernel({ board: STM32F407 });
    const seen: unknown[] = [];
    const victim = k.spawn({
      name: "victim",
      priority: 2,
      faultPolicy: { restart: 1 },
      *main(t) {
        const run = seen.length === 0 ? "first" : "after restart";
        seen.push([run, (yield* t.info()).privileged]);
        if (run === "after restart") {
          t.read32(CPUID); // unprivileged again: BusFault, and the policy stops it
          return;
        }
        yield* t.sleep({ ms: 1 }); // the admin rewrites its CONTROL word meanwhile
        seen.push(["forged", (yield* t.info()).privileged, t.read32(CPUID), t.read32(k.kernelBlock.base) === 0]);
        t.write32(FLASH, 0); // a BusFault while privileged: the dump names the forged word
      },
    });
    k.spawn({
      name: "admin",
      privileged: true,
      *main(t) {
        t.write32(victim.tcb + TcbField.CONTROL, CONTROL_PRIVILEGED);
        yield* t.exit();
      },
    });
    k.run({ ms: 5 });
    const cpuid = new DataView(new Uint8Array(4).buffer);
    k.machine.core.debugAccess(() => cpuid.setUint32(0, k.machine.core.read32(CPUID), true));
    expect(seen).toEqual([
      ["first", false],
      ["forged", true, cpuid.getUint32(0, true), false],
      ["after restart", false],
    ]);
    expect(k.faults.map((f) => [f.task, f.kind, f.action])).toEqual([
      ["victim", "busfault", "restarted"],
      ["victim", "busfault", "stopped"],
    ]);
    const [forged, again] = k.faults;
    expect(forged!.dump).toContain(
      "Task: state faulted, priority 2, privileged (its TCB's CONTROL word was overwritten: its spec says otherwise), restarts 0",
    );
    expect(forged!.hw?.access.privileged).toBe(true);
    expect(again!.dump).toContain("Task: state faulted, priority 2, unprivileged, restarts 1");
    expect(again!.hw?.access.privileged).toBe(false);
    expect(control(k, victim)).toBe(CONTROL_UNPRIVILEGED); // the restart stored its own again
  });

  it("a privileged task that clears its own privilege in its TCB runs unprivileged after its next switch-in: its kernel reads fault", () => {
    const k = bootKernel({ board: STM32F407 });
    const seen: number[] = [];
    const self = k.spawn({
      name: "self",
      privileged: true,
      *main(t) {
        seen.push(t.read32(self.tcb + TcbField.ID)); // privileged: kernel memory is readable
        t.write32(self.tcb + TcbField.CONTROL, CONTROL_UNPRIVILEGED);
        yield* t.yield(); // the next switch-in (to itself) loads the word it wrote
        seen.push(self.privileged ? 1 : 0);
        t.read32(self.tcb + TcbField.ID); // MemManage: unprivileged now
      },
    });
    k.run({ ms: 2 });
    expect(seen).toEqual([1, 0]);
    expect(k.faults.map((f) => [f.kind, f.hw?.access.privileged, f.hw?.faultAddress])).toEqual([
      ["memmanage", false, self.tcb + TcbField.ID],
    ]);
  });

  it("the kernel decides a syscall's buffer rights from the privilege the task's switch-in loaded", () => {
    const k = bootKernel({ board: STM32F407 });
    const printed: string[] = [];
    const victim = k.spawn({
      name: "victim",
      *main(t) {
        yield* t.sleep({ ms: 1 });
        // A print from kernel memory: BAD_POINTER for an unprivileged task, allowed for a privileged one.
        yield* t.print(victim.tcb + TcbField.ID, 1);
        printed.push(...victim.output);
      },
    });
    k.spawn({
      name: "admin",
      privileged: true,
      *main(t) {
        t.write32(victim.tcb + TcbField.CONTROL, CONTROL_PRIVILEGED);
        yield* t.exit();
      },
    });
    k.run({ ms: 3 });
    expect(k.faults).toEqual([]);
    expect(printed).toEqual([String.fromCharCode(victim.id)]);
  });
});

describe("a hand-off into a blocked receiver's buffer follows the CONTROL word in its TCB", () => {
  it("a privileged receiver demoted while it waits is handed nothing into memory only privilege reaches: it faults, the message is queued", () => {
    const k = bootKernel({
      board: STM32F407,
      partitions: [{ name: "secret", size: 256 }],
      queues: [{ name: "q", messageSize: 16, capacity: 2 }],
    });
    const secret = k.partitions.get("secret")!.base;
    const seen: unknown[] = [];
    const receiver = k.spawn({
      name: "receiver",
      priority: 2,
      privileged: true,
      queues: { q: "receive" },
      *main(t) {
        // Privileged: a buffer in a partition it was never granted passes (the background map).
        seen.push(["received", yield* t.receive("q", secret, 16)]);
      },
    });
    k.spawn({
      name: "admin",
      priority: 1,
      privileged: true,
      queues: { q: "send" },
      *main(t) {
        t.write32(receiver.tcb + TcbField.CONTROL, CONTROL_UNPRIVILEGED); // demoted while it waits
        const m = k.partitions.get("secret")!.base + 128; // the admin's message (privileged: any RAM)
        t.fill(m, 0xab, 16);
        seen.push(["sent", yield* t.send("q", m, 16)]);
      },
    });
    k.run({ ms: 2 });
    // Its own receive, after a switch-in that loads the word, could not write there: nor does the hand-off.
    expect(k.machine.bus.peek(secret, 16)).toEqual(new Uint8Array(16));
    expect(k.faults.map((f) => [f.task, f.kind, f.message])).toEqual([
      [
        "receiver",
        "bad-pointer",
        `BAD_POINTER: receive: task receiver's buffer is no longer writable: write of [0x${secret.toString(16)}, 0x${(secret + 16).toString(16)}) denied at 0x${secret.toString(16)} by the task's MPU view`,
      ],
    ]);
    // Its dump says the privilege the hand-off decided with, its TCB's word (not the one it blocked with).
    expect(k.faults[0]!.dump).toContain(
      "Task: state faulted, priority 2, unprivileged (its TCB's CONTROL word was overwritten: its spec says otherwise), restarts 0",
    );
    expect(seen).toEqual([["sent", 0]]);
    expect(k.queues.get("q")!.length).toBe(1);
  });
});
