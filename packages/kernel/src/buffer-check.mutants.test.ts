import { createMachine, type Machine, STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { checkBuffer } from "./buffer-check.js";
import type { KTask } from "./task-record.js";
import { bootTest } from "./test-kit.js";

/**
 * `checkBuffer` pinned edge by edge (a hand mutation audit found these edges unheld): the
 * pointer's and length's ranges, each 32-byte MPU granule (none skipped, none past the end), the
 * privilege the view is read at, a memory that ends inside a granule, and the checker's byte
 * states read as the task (user actor) with the MPU left to the check before it.
 */

/** A user task and a privileged one, as `checkBuffer` reads them (id and privilege only). */
const user = { id: 3, privileged: false } as KTask;
const root = { id: 4, privileged: true } as KTask;

/**
 * An STM32F407 with a hand-made MPU view (PMSAv7, PRIVDEFENA): SRAM1/2 user rw, a 256-byte
 * privileged-rw/user-ro window at 0x20001000, a 256-byte privileged-only window at 0x20003000, a
 * 32-byte hole (no access) at 0x20002020 (32-aligned, not 64), and the OTP (ends at 0x1FFF7A10,
 * inside a granule) user rw.
 */
function machine(): Machine {
  const m = createMachine(STM32F407);
  m.mpu.setRegion(0, { base: 0x20000000, size: 0x20000, access: "rw" });
  m.mpu.setRegion(1, { base: 0x20001000, size: 0x100, access: "priv-rw-user-ro" });
  m.mpu.setRegion(2, { base: 0x20002020, size: 0x20, access: "none" });
  m.mpu.setRegion(3, { base: 0x20003000, size: 0x100, access: "priv-rw" });
  m.mpu.setRegion(4, { base: 0x1fff7800, size: 0x400, access: "rw" });
  m.mpu.setControl({ enable: true, privdefena: true });
  return m;
}

describe("checkBuffer: the pointer and the length", () => {
  it("a pointer is an integer in [0, 2^32 - 1]: both ends taken, NaN, fractions and negatives refused even with length 0", () => {
    const m = machine();
    const check = (ptr: number, length: number) => checkBuffer(m, null, user, ptr, length, "read");
    expect(check(0, 0)).toBeNull();
    expect(check(0xffffffff, 0)).toBeNull();
    expect(check(-32, 0)).toBe("pointer -32 is not a 32-bit address");
    expect(check(0x100000000, 0)).toBe("pointer 4294967296 is not a 32-bit address");
    expect(check(Number.NaN, 16)).toBe("pointer NaN is not a 32-bit address");
    expect(check(0x20000000 + 0.5, 16)).toBe("pointer 536870912.5 is not a 32-bit address");
    // Address 0 is a pointer (a NULL buffer of length 0 is fine); it is not memory on this board.
    expect(checkBuffer(m, null, root, 0, 16, "read")).toBe("[0x00000000, 0x00000010) is not memory (at 0x00000000)");
  });

  it("a length is an integer >= 0 whose span ends at 2^32 at most: the last byte of the address space is a span, one more is not", () => {
    const m = machine();
    const check = (ptr: number, length: number) => checkBuffer(m, null, user, ptr, length, "read");
    expect(check(0x20000000, 0)).toBeNull();
    expect(check(0x20000000, -1)).toBe("length -1 is out of range");
    expect(check(0x20000000, Number.NaN)).toBe("length NaN is out of range");
    expect(check(0x20000000, 1.5)).toBe("length 1.5 is out of range");
    expect(check(0xffffffff, 2)).toBe("length 2 is out of range");
    expect(check(0xffffffe0, 33)).toBe("length 33 is out of range");
    // Spans ending exactly at 2^32 are checked against the view (and refused by it, here).
    expect(check(0xffffffff, 1)).toBe("read of [0xffffffff, 0x00000000) denied at 0xffffffff by the task's MPU view");
    expect(check(0xffffffe0, 32)).toBe("read of [0xffffffe0, 0x00000000) denied at 0xffffffe0 by the task's MPU view");
  });
});

describe("checkBuffer: every granule of the span, at the task's privilege", () => {
  it("a one-granule hole inside the span is found, whichever granule the span starts on", () => {
    const m = machine();
    // [0x20002000, 0x20002060): granules 0x20002000 (rw), 0x20002020 (hole), 0x20002040 (rw).
    expect(checkBuffer(m, null, user, 0x20002000, 0x60, "read")).toBe(
      "read of [0x20002000, 0x20002060) denied at 0x20002020 by the task's MPU view",
    );
    expect(checkBuffer(m, null, user, 0x20001fe0, 0x60, "write")).toBe(
      "write of [0x20001fe0, 0x20002040) denied at 0x20002020 by the task's MPU view",
    );
    // One byte of the hole, not granule-aligned: still refused, at that byte.
    expect(checkBuffer(m, null, user, 0x2000201f, 2, "read")).toBe(
      "read of [0x2000201f, 0x20002021) denied at 0x20002020 by the task's MPU view",
    );
  });

  it("a span ending right before the hole, or starting right after it, is allowed (no granule past the end is checked)", () => {
    const m = machine();
    expect(checkBuffer(m, null, user, 0x20002000, 0x20, "write")).toBeNull();
    expect(checkBuffer(m, null, user, 0x20002001, 0x1f, "read")).toBeNull();
    expect(checkBuffer(m, null, user, 0x20002040, 0x20, "read")).toBeNull();
    expect(checkBuffer(m, null, user, 0x20000000, 1, "read")).toBeNull();
  });

  it("reads and writes are told apart, and read at the task's privilege", () => {
    const m = machine();
    // The privileged-rw/user-ro window: the user task reads it, writes to it are refused.
    expect(checkBuffer(m, null, user, 0x20001000, 0x100, "read")).toBeNull();
    expect(checkBuffer(m, null, user, 0x20000fe0, 0x40, "write")).toBe(
      "write of [0x20000fe0, 0x20001020) denied at 0x20001000 by the task's MPU view",
    );
    expect(checkBuffer(m, null, root, 0x20001000, 0x100, "write")).toBeNull();
    // The privileged-only window: the privileged task reads and writes it; the user task neither.
    expect(checkBuffer(m, null, root, 0x20003000, 0x100, "read")).toBeNull();
    expect(checkBuffer(m, null, root, 0x20003000, 0x100, "write")).toBeNull();
    expect(checkBuffer(m, null, user, 0x20003000, 1, "read")).toBe(
      "read of [0x20003000, 0x20003001) denied at 0x20003000 by the task's MPU view",
    );
    expect(checkBuffer(m, null, user, 0x20003000, 1, "write")).toBe(
      "write of [0x20003000, 0x20003001) denied at 0x20003000 by the task's MPU view",
    );
  });

  it("a memory ending inside a granule (the device signature's 0x1FFF7A28): its last bytes are memory, the next one is not", () => {
    const m = machine();
    expect(checkBuffer(m, null, user, 0x1fff7a00, 0x28, "read")).toBeNull();
    expect(checkBuffer(m, null, user, 0x1fff7a00, 0x29, "read")).toBe(
      "[0x1fff7a00, 0x1fff7a29) is not memory (at 0x1fff7a28)",
    );
    expect(checkBuffer(m, null, user, 0x1fff79f0, 0x40, "read")).toBe(
      "[0x1fff79f0, 0x1fff7a30) is not memory (at 0x1fff7a28)",
    );
  });
});

describe("checkBuffer with the checker: its byte states, read as the task, after the MPU view", () => {
  /** Runs a user task with the checker on: a fresh block `p`, a freed one `q`, a redzone past `p`. */
  function withChecker() {
    const k = bootTest({ memcheck: true });
    const seen: Record<string, string | null> = {};
    const t = k.spawn({
      name: "u",
      partitions: { shared: "rw" },
      *main(c) {
        const p = yield* c.malloc(32);
        const q = yield* c.malloc(32);
        yield* c.free(q);
        const check = (ptr: number, length: number, kind: "read" | "write") =>
          checkBuffer(k.machine, k.checker, t, ptr, length, kind);
        seen.freshWrite = check(p, 32, "write");
        seen.freshRead = check(p, 32, "read");
        seen.freed = check(q, 16, "write");
        seen.redzone = check(p + 32, 4, "write");
        seen.empty = check(q, 0, "write");
        const sp = c.push(64); // its own live stack (the checker tells whose stack a byte is)
        seen.ownStack = check(sp, 64, "write");
        seen.belowSp = check(c.stackBase + 64, 16, "write"); // its own stack, below its SP
        c.pop(64);
        yield* c.free(p);
      },
    });
    k.run({ ms: 5 });
    expect(k.faults).toEqual([]);
    expect(k.checker!.reports).toEqual([]); // checking files nothing
    return seen;
  }

  it("a fresh block may be written and read (its bytes' state is the syscall's to report); a freed block and a redzone are refused; an empty span and its own live stack are fine, below its SP is not", () => {
    expect(withChecker()).toEqual({
      freshWrite: null,
      freshRead: null,
      freed: "access to a freed block (in quarantine)",
      redzone: "access to a redzone next to a block",
      empty: null,
      ownStack: null,
      belowSp: "access below the stack pointer",
    });
  });

  it("a privileged task is a user actor to the checker: the kernel's block, its MPU view allows, is refused as its own store is", () => {
    const k = bootTest({ memcheck: true });
    const seen: unknown[] = [];
    const p = k.spawn({
      name: "p",
      privileged: true,
      *main(t) {
        const a = k.kernelBlock.base + 1024;
        seen.push(
          checkBuffer(k.machine, k.checker, p, a, 16, "write"),
          checkBuffer(k.machine, null, p, a, 16, "write"),
        );
        yield* t.yield();
        t.write32(a, 5); // its own store: the checker's report, the task's fault
      },
    });
    k.run({ ms: 2 });
    expect(seen).toEqual(["user access to memory owned by ALL", null]);
    expect(k.faults.map((f) => [f.task, f.kind, f.message])).toEqual([
      ["p", "checker", "invalid-access: user access to memory owned by ALL"],
    ]);
  });

  it("a privileged task's privileged-only memory passes the checker too: the MPU is not asked twice, at user level", () => {
    const k = bootTest({ memcheck: true });
    const p = k.spawn({ name: "p", privileged: true, partitions: { shared: "rw" }, *main() {} });
    k.run({ ms: 1 });
    const shared = k.partitions.get("shared")!.base;
    const m = k.machine;
    // The top region (highest priority) makes the partition privileged-only in the view loaded now.
    m.mpu.setRegion(m.mpu.regionCount - 1, { base: shared, size: 1024, access: "priv-rw" });
    expect(checkBuffer(m, k.checker, p, shared, 16, "write")).toBeNull();
    expect(checkBuffer(m, k.checker, p, shared, 16, "read")).toBeNull();
    expect(checkBuffer(m, k.checker, { ...p, privileged: false } as KTask, shared, 16, "read")).toMatch(
      /^read of \[0x[0-9a-f]{8}, 0x[0-9a-f]{8}\) denied at 0x[0-9a-f]{8} by the task's MPU view$/,
    );
  });
});
