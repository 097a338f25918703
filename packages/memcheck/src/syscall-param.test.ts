import { ActorMode, makeActor } from "@rtos-sim/hw";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CheckerFault } from "./errors.js";
import { StateBit } from "./state.js";
import { SENSOR, setup } from "./test-setup.js";

describe("a syscall's input bytes (Memcheck's 'Syscall param ... points to uninitialised byte(s)')", () => {
  it("names the parameter and the first uninitialized byte, one report, nothing changed", () => {
    const f = setup();
    f.user(SENSOR);
    const p = f.heap.allocate(16)!;
    f.m.core.write32(p, 0x41424344); // bytes 0..3 written, 4..15 not
    const user = makeActor(ActorMode.User, SENSOR);
    const before = f.checker.shadow.snapshot(p, 16);
    expect(f.checker.checkSyscallParam(user, p, 4, "send(ptr)")).toBe(true);
    expect(f.checker.reports).toEqual([]);
    expect(f.checker.checkSyscallParam(user, p, 16, "send(ptr)")).toBe(false);
    expect(f.checker.reports).toHaveLength(1);
    const r = f.checker.reports[0]!;
    expect(r).toMatchObject({
      kind: "uninitialized-read",
      address: p + 4,
      size: 16,
      access: "read",
      task: SENSOR,
      message: "syscall param send(ptr) points to uninitialized byte(s)",
    });
    expect(r.details[0]).toBe(
      `buffer [0x${p.toString(16).padStart(8, "0")}, 0x${(p + 16).toString(16).padStart(8, "0")}) passed to send(ptr): its first uninitialized byte is 4 bytes in`,
    );
    expect(f.checker.shadow.snapshot(p, 16)).toEqual(before);
  });

  it("reading the bytes as a copy reports nothing and leaves them uninitialized; a plain read reports", () => {
    const f = setup();
    f.user(SENSOR);
    const p = f.heap.allocate(8)!;
    f.m.core.write8(p, 7);
    expect(Array.from(f.checker.readAsCopy(p, 8, true))).toEqual([7, 0, 0, 0, 0, 0, 0, 0]);
    expect(f.checker.reports).toEqual([]);
    expect(f.checker.shadow.get(p + 1) & StateBit.I).toBe(0);
    f.m.core.readBytes(p, 8);
    expect(f.checker.reports.map((r) => [r.kind, r.address])).toEqual([["uninitialized-read", p + 1]]);
  });

  it("a redzone or a freed block is not its business: validateBuffer refuses those, and it files nothing", () => {
    const f = setup();
    f.user(SENSOR);
    const p = f.heap.allocate(8)!;
    const user = makeActor(ActorMode.User, SENSOR);
    f.m.core.write32(p, 1);
    f.m.core.write32(p + 4, 2);
    expect(f.checker.validateBuffer(user, p, 12, "read")).toMatchObject({ ok: false, reason: "heap-buffer-overflow" });
    expect(f.checker.checkSyscallParam(user, p, 12, "print(ptr)")).toBe(true);
    expect(f.checker.reports).toEqual([]);
  });

  it("diagnoseBuffer names the redzone that refused a read, not an uninitialized byte before it", () => {
    const f = setup();
    f.user(SENSOR);
    const p = f.heap.allocate(8)!;
    const user = makeActor(ActorMode.User, SENSOR);
    f.m.core.write32(p, 1); // bytes 4..7 never written, the redzone from byte 8
    expect(f.checker.validateBuffer(user, p, 12, "read")).toMatchObject({
      address: p + 8,
      reason: "heap-buffer-overflow",
    });
    const r = f.checker.diagnoseBuffer(user, p, 12, "read")!;
    expect([r.kind, r.address, r.size, r.access]).toEqual(["heap-buffer-overflow", p + 8, 12, "read"]);
    expect(f.checker.reports.map((x) => [x.kind, x.address])).toEqual([["heap-buffer-overflow", p + 8]]);
  });

  it("stops only under the 'stop' policy, as a read error does", () => {
    for (const onError of ["stop-writes", "continue", "stop"] as const) {
      const f = setup({ onError });
      f.user(SENSOR);
      const p = f.heap.allocate(8)!;
      const user = makeActor(ActorMode.User, SENSOR);
      let thrown: unknown = null;
      try {
        f.checker.checkSyscallParam(user, p, 8, "print(ptr)");
      } catch (e) {
        thrown = e;
      }
      expect([onError, thrown instanceof CheckerFault]).toEqual([onError, onError === "stop"]);
      f.m.core.clearFault();
    }
  });
});

describe("checkSyscallParam and readAsCopy, property", () => {
  it("reports iff a byte of the buffer was never written, at the first such byte; the copy is the memory's bytes and reports nothing", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.array(fc.tuple(fc.nat(63), fc.integer({ min: 0, max: 255 })), { maxLength: 64 }),
        fc.nat(63),
        fc.integer({ min: 0, max: 64 }),
        (size, writes, from, len) => {
          const f = setup();
          f.user(SENSOR);
          const p = f.heap.allocate(size)!;
          const written = new Set<number>();
          for (const [off, v] of writes) {
            if (off >= size) continue;
            f.m.core.write8(p + off, v);
            written.add(off);
          }
          const start = Math.min(from, size - 1);
          const length = Math.min(len, size - start);
          const user = makeActor(ActorMode.User, SENSOR);
          let first = -1;
          for (let i = start; i < start + length; i++) {
            if (!written.has(i)) {
              first = i;
              break;
            }
          }
          expect(f.checker.checkSyscallParam(user, p + start, length, "print(ptr)")).toBe(first < 0);
          const reports = f.checker.reports.map((r) => [r.kind, r.address - p]);
          expect(reports).toEqual(first < 0 ? [] : [["uninitialized-read", first]]);
          const bytes = f.checker.readAsCopy(p + start, length, true);
          expect(Array.from(bytes)).toEqual(Array.from(f.m.bus.peek(p + start, length)));
          expect(f.checker.reports).toHaveLength(reports.length); // the copy reported nothing
        },
      ),
      { seed: 0x5ca11, numRuns: 200 },
    );
  });
});
