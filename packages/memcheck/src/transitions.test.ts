import { ActorMode, createMachine, MPS2_AN505, makeActor, Perm, STM32H750XB } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { MemoryChecker } from "./checker.js";
import { ALL, ANY, NO, STACK_LIVE, StateBit, Tag, USR } from "./state.js";
import { DATA, HEAP, META, SENSOR, setup } from "./test-setup.js";

const W = StateBit.W;
const I = StateBit.I;

describe("boot state and cost", () => {
  it("image data/bss ANY initialized, metadata ALL initialized, the rest NO", () => {
    const f = setup();
    const s = f.checker.shadow;
    expect(s.get(DATA)).toBe(ANY | W | I);
    expect(s.get(META)).toBe(ALL | W | I);
    expect(s.get(0x20008000)).toBe(NO);
    expect(s.get(0x08000000)).toBe(ANY | I); // flash: read-only, initialized
    expect(s.get(0x30000000)).toBe(-1);
    expect(s.regions.map((r) => r.name)).toEqual(["CCM", "SRAM1+SRAM2", "BackupSRAM"]);
  });

  it("reports its cost: 1 host byte and 4 device bits per managed byte", () => {
    const f = setup();
    expect(f.checker.cost()).toEqual({
      managedBytes: 200704,
      hostBytes: 200704,
      deviceBitsPerByte: 4,
      deviceMetadataBytes: 100352,
      deviceUsableFraction: 2 / 3,
    });
    const h7 = new MemoryChecker(createMachine(STM32H750XB));
    expect(h7.cost().managedBytes).toBe((64 + 128 + 512 + 128 + 128 + 32 + 64 + 4) * 1024);
  });
});

describe("transitions from their expected source states", () => {
  it("pages NO -> ALL -> NO, blocks ALL -> USR -> ALL", () => {
    const f = setup();
    f.checker.pagesGiven(0x20006000, 0x400, "pool");
    expect(f.checker.shadow.get(0x20006000)).toBe(ALL | W);
    f.checker.blockAllocated(0x20006010, 8, "pool");
    expect(f.checker.shadow.get(0x20006010)).toBe(USR | W);
    f.checker.blockFreed(0x20006010, 8, "pool");
    expect(f.checker.shadow.get(0x20006010)).toBe(ALL | W);
    f.checker.pagesReturned(0x20006000, 0x400, "pool");
    expect(f.checker.shadow.get(0x20006010)).toBe(NO);
    f.checker.pagesReturned(0x20006000, 0x400, "pool");
    expect(f.checker.reports.map((r) => r.kind)).toEqual(["double-free"]);
  });

  it("resize in place (grow, shrink) and moved, keeping INI of the bytes kept", () => {
    const f = setup();
    f.checker.pagesGiven(0x20006000, 0x400, "pool");
    const c = f.checker;
    c.blockAllocated(0x20006010, 8, "pool");
    f.user(SENSOR);
    f.m.core.write32(0x20006010, 1);
    c.blockResized(0x20006010, 8, 0x20006010, 16, "pool");
    expect(c.shadow.get(0x20006013)).toBe(USR | W | I);
    expect(c.shadow.get(0x20006014)).toBe(USR | W);
    expect(c.shadow.get(0x2000601f)).toBe(USR | W);
    c.blockResized(0x20006010, 16, 0x20006010, 2, "pool");
    expect(c.shadow.get(0x20006012)).toBe(ALL | W);
    c.blockResized(0x20006010, 2, 0x20006100, 32, "pool");
    expect(c.shadow.get(0x20006010)).toBe(ALL | W);
    expect(c.shadow.get(0x20006100)).toBe(USR | W | I);
    expect(c.shadow.get(0x20006102)).toBe(USR | W);
    expect(c.blocks.live.get(0x20006100)).toMatchObject({ size: 32 });
    expect(c.blocks.live.has(0x20006010)).toBe(false);
    expect(c.reports).toEqual([]);
    c.blockResized(0x20006010, 2, 0x20006200, 8, "pool");
    expect(c.reports.map((r) => r.kind)).toEqual(["invalid-transition"]);
  });

  it("share/unshare, read-only/writable, initialized/uninitialized", () => {
    const f = setup();
    const p = f.heap.allocate(8)!;
    const c = f.checker;
    c.share(p, 8);
    expect(c.shadow.get(p)).toBe(ANY | W);
    c.makeInitialized(p, 8);
    c.makeReadOnly(p, 8);
    expect(c.shadow.get(p)).toBe(ANY | I);
    c.makeWritable(p, 8);
    c.makeUninitialized(p, 4);
    c.unshare(p, 8);
    expect([c.shadow.get(p), c.shadow.get(p + 4)]).toEqual([USR | W, USR | W | I]);
    c.makeReadOnly(0x20008000, 4);
    expect(c.reports.map((r) => r.kind)).toEqual(["invalid-transition"]);
  });

  it("stacks: bytes below SP are poisoned, moving SP exposes fresh (uninitialized) bytes", () => {
    const f = setup();
    const s = f.heap.allocate(64)!;
    f.checker.registerStack(SENSOR, s, 64, s + 48);
    expect(f.checker.shadow.get(s + 47)).toBe(Tag.StackFree);
    expect(f.checker.shadow.get(s + 48)).toBe(STACK_LIVE);
    f.checker.stackPointer(SENSOR, s + 40);
    expect(f.checker.shadow.get(s + 40)).toBe(STACK_LIVE);
    f.checker.stackPointer(SENSOR, s + 56);
    expect(f.checker.shadow.get(s + 48)).toBe(Tag.StackFree);
    f.checker.unregisterStack(SENSOR);
    expect(f.checker.shadow.get(s + 48)).toBe(USR | W);
  });
});

describe("validateBuffer: the task's MPU view and the checker state", () => {
  it("answers for user tasks without reporting or changing anything", () => {
    const f = setup();
    f.user(SENSOR);
    const p = f.heap.allocate(10)!;
    f.m.core.write32(p, 1);
    f.m.mpu.setRegion(0, { base: 0x20000000, size: 0x20000, access: "rw" });
    f.m.mpu.setRegion(1, { base: 0x20006000, size: 0x1000, access: "priv-rw" });
    f.m.mpu.setControl({ enable: true, privdefena: true });
    const user = makeActor(ActorMode.User, SENSOR);
    const c = f.checker;
    expect(c.validateBuffer(user, p, 10, "write")).toMatchObject({ ok: true });
    expect(c.validateBuffer(user, p, 11, "write")).toMatchObject({
      ok: false,
      address: p + 10,
      reason: "heap-buffer-overflow",
    });
    // Bytes 4..7 were never written: a read of them may be made (a syscall copies them), and
    // checkSyscallParam is the one that names them.
    expect(c.validateBuffer(user, p, 8, "read")).toMatchObject({ ok: true });
    expect(c.validateBuffer(user, p, 11, "read")).toMatchObject({
      ok: false,
      address: p + 10,
      reason: "heap-buffer-overflow",
    });
    expect(c.validateBuffer(user, 0x20006000, 4, "read")).toMatchObject({
      ok: false,
      address: 0x20006000,
      reason: "mpu",
    });
    expect(c.validateBuffer(user, HEAP - 4, 8, "read", () => Perm.UR)).toMatchObject({ reason: "invalid-access" });
    expect(c.validateBuffer(makeActor(ActorMode.Kernel), DATA, 16, "write")).toMatchObject({ ok: true });
    expect(c.reports).toEqual([]);
  });

  it("ends at the buffer's end above 0x80000000 (MPS2-AN505's PSRAM), one permission per 32-byte granule", () => {
    const m = createMachine(MPS2_AN505);
    const c = new MemoryChecker(m, { onError: "continue" }).attach();
    c.pagesGiven(0x80001000, 0x1000, "heap");
    c.blockAllocated(0x80001010, 40, "heap");
    const user = makeActor(ActorMode.User, SENSOR);
    m.core.actor = user;
    m.core.fill(0x80001010, 7, 40);
    const asked: number[] = [];
    const allowAll = (a: number) => {
      asked.push(a);
      if (asked.length > 8) throw new Error(`still asking at 0x${a.toString(16)}`);
      return 0xff;
    };
    expect(c.validateBuffer(user, 0x80001010, 40, "read", allowAll)).toMatchObject({ ok: true });
    expect(asked).toEqual([0x80001010, 0x80001020]);
    asked.length = 0;
    expect(c.validateBuffer(user, 0x80001010, 41, "read", allowAll)).toMatchObject({
      ok: false,
      address: 0x80001038,
      reason: "heap-buffer-overflow",
    });
    expect(c.reports).toEqual([]);
  });
});
