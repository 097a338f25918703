import { STM32F407 } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { bootKernel } from "../boot.js";
import { DmaCr, DmaFlag, DmaReg } from "../devices/dma.js";
import type { Kernel } from "../kernel.js";
import { Errno } from "../syscalls.js";
import type { TaskContext } from "../task-context.js";

/**
 * dma-copy pinned where a hand mutation audit found it unheld: the item count's and the length
 * field's bounds, overlap in both directions, word or byte items by each of the three operands,
 * the registers the service leaves behind, stale flags a rogue's transfer left, and the time
 * the transfer is charged.
 */

const M2M = DmaCr.DIR_M2M | DmaCr.PINC | DmaCr.MINC;
const M2M_WORDS = M2M | (2 << DmaCr.PSIZE_SHIFT) | (2 << DmaCr.MSIZE_SHIFT);
const pattern = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (seed + 7 * i) & 0xff);

/** STM32F407 with 1 KiB partitions "a" and "b" in SRAM1 (the DMA's reach). */
function boot(): Kernel {
  return bootKernel({
    board: STM32F407,
    partitions: [
      { name: "a", size: 1024, region: "SRAM1" },
      { name: "b", size: 1024, region: "SRAM1" },
    ],
  });
}

/** Runs task "client" (rw on "a" and "b", priority 4) on `k`, collecting what `body` returns. */
function runClient<T>(k: Kernel, body: (t: TaskContext) => Generator<unknown, T, unknown>): T {
  let out: T | undefined;
  k.spawn({
    name: "client",
    priority: 4,
    partitions: { a: "rw", b: "rw" },
    *main(t) {
      out = yield* body(t);
    },
  });
  k.run({ ms: 5 });
  return out as T;
}

describe("dma-copy: bounds", () => {
  it("65535 items are a transfer, 65536 are EINVAL; dst may be any 32-bit address", () => {
    const k = boot();
    const a = k.partitions.get("a")!.base;
    const codes = runClient(k, function* (t) {
      return [
        // Byte items (src odd): 65536 is one item too many, whatever the buffers.
        yield* t.dmaCopy(a, a + 0x20001, 0x10000),
        // 65535 byte items pass the count and are refused by the buffers (not the caller's).
        yield* t.dmaCopy(a, a + 0x20001, 0xffff),
        // 0x3FFFC aligned: 65535 words, a count that passes; the buffers refuse it.
        yield* t.dmaCopy(a, a + 0x40000, 0x3fffc),
        // The last address as dst: refused by the caller's view, not as a malformed field.
        yield* t.dmaCopy(0xffffffff, a, 1),
      ];
    });
    expect(codes).toEqual([Errno.EINVAL, Errno.EFAULT, Errno.EFAULT, Errno.EFAULT]);
    expect(k.faults).toEqual([]);
  });

  it("a length of 0x3FFFD (past 65535 words) is a malformed field: the caller faults", () => {
    const k = boot();
    const a = k.partitions.get("a")!.base;
    runClient(k, (t) => t.dmaCopy(a, a + 0x40001, 0x3fffd));
    expect(k.faults.map((f) => [f.task, f.kind, f.message])).toEqual([
      ["client", "bad-syscall", "BAD_ARGUMENT: dma-copy: length must be an integer in [0, 262140], got 262141"],
    ]);
  });

  it("spans that touch but do not overlap are copied, in both orders", () => {
    const k = boot();
    const a = k.partitions.get("a")!.base;
    const codes = runClient(k, function* (t) {
      t.writeBytes(a, pattern(12, 1));
      return [yield* t.dmaCopy(a, a + 4, 4), yield* t.dmaCopy(a + 8, a + 4, 4)];
    });
    expect(codes).toEqual([Errno.OK, Errno.OK]);
    const p = pattern(12, 1);
    expect(k.machine.bus.peek(a, 12)).toEqual(
      Uint8Array.of(...p.subarray(4, 8), ...p.subarray(4, 8), ...p.subarray(4, 8)),
    );
  });
});

describe("dma-copy: items and registers", () => {
  /** Copies `length` bytes from a + srcOff to b + dstOff (b filled with 0xEE first); returns the code, b's first 64 bytes and the stream's registers after. */
  function copy(srcOff: number, dstOff: number, length: number) {
    const k = boot();
    const a = k.partitions.get("a")!.base;
    const b = k.partitions.get("b")!.base;
    const dma = k.devices.dma!;
    const code = runClient(k, function* (t) {
      t.writeBytes(a, pattern(64, 3));
      t.fill(b, 0xee, 64);
      return yield* t.dmaCopy(b + dstOff, a + srcOff, length);
    });
    const regs = [DmaReg.S0CR, DmaReg.S0NDTR, DmaReg.S0PAR, DmaReg.S0M0AR, DmaReg.LISR].map((r) => dma.read(r, 4));
    return { code, b: k.machine.bus.peek(b, 64), regs, a, bBase: b, faults: k.faults };
  }

  const expected = (srcOff: number, dstOff: number, length: number) => {
    const out = new Uint8Array(64).fill(0xee);
    out.set(pattern(64, 3).subarray(srcOff, srcOff + length), dstOff);
    return out;
  };

  it("word items when all three are multiples of 4: the exact bytes, nothing past them; CR, PAR, M0AR left as programmed, NDTR 0, LISR clear", () => {
    const r = copy(8, 4, 24);
    expect(r.code).toBe(Errno.OK);
    expect(r.b).toEqual(expected(8, 4, 24));
    expect(r.regs).toEqual([M2M_WORDS, 0, r.a + 8, r.bBase + 4, 0]);
    expect(r.faults).toEqual([]);
  });

  it("byte items when the source, the destination or the length is not a multiple of 4", () => {
    for (const [srcOff, dstOff, length] of [
      [1, 4, 8], // source
      [4, 1, 8], // destination
      [4, 8, 6], // length
    ] as const) {
      const r = copy(srcOff, dstOff, length);
      expect(r.code).toBe(Errno.OK);
      expect(r.b).toEqual(expected(srcOff, dstOff, length));
      expect(r.regs).toEqual([M2M, 0, r.a + srcOff, r.bBase + dstOff, 0]);
    }
  });
});

describe("dma-copy: flags a rogue's transfer left, and the time charged", () => {
  /** A rogue (priority 5, granted the DMA) runs a 1-word transfer from `par` into "b" and leaves its flags; then the client copies 64 bytes a -> b + 64. */
  function afterRogue(par: (k: Kernel) => number) {
    const k = boot();
    const a = k.partitions.get("a")!.base;
    const b = k.partitions.get("b")!.base;
    const dma = k.device("dma").base;
    let flagsLeft = -1;
    k.spawn({
      name: "rogue",
      priority: 5,
      devices: ["dma"],
      *main(t) {
        t.write32(dma + DmaReg.S0PAR, par(k));
        t.write32(dma + DmaReg.S0M0AR, b);
        t.write32(dma + DmaReg.S0NDTR, 1);
        t.write32(dma + DmaReg.S0CR, M2M_WORDS | DmaCr.EN);
        yield* t.sleep({ ms: 1 });
        flagsLeft = t.read32(dma + DmaReg.LISR);
      },
    });
    let seenAtReturn: Uint8Array = new Uint8Array(0);
    let busyAtReturn = true;
    const code = runClient(k, function* (t) {
      t.writeBytes(a, pattern(64, 9));
      yield* t.sleep({ ms: 2 });
      const c = yield* t.dmaCopy(b + 64, a, 64);
      seenAtReturn = t.readBytes(b + 64, 64);
      busyAtReturn = k.devices.dma!.busy;
      return c;
    });
    return { code, flagsLeft, seenAtReturn, busyAtReturn, lisr: k.devices.dma!.read(DmaReg.LISR, 4) };
  }

  it("a completed transfer's TCIF0 left set: the copy still waits for its own transfer (bytes there at return)", () => {
    const r = afterRogue((k) => k.partitions.get("a")!.base + 512);
    expect(r.flagsLeft).toBe(DmaFlag.TCIF0);
    expect([r.code, r.busyAtReturn, r.lisr]).toEqual([Errno.OK, false, 0]);
    expect(r.seenAtReturn).toEqual(pattern(64, 9));
  });

  it("a failed transfer's TEIF0 left set: the copy is not EIO for it", () => {
    const r = afterRogue(() => 0x30000000); // unmapped on the F407: the rogue's beat is refused
    expect(r.flagsLeft).toBe(DmaFlag.TEIF0);
    expect([r.code, r.busyAtReturn, r.lisr]).toEqual([Errno.OK, false, 0]);
    expect(r.seenAtReturn).toEqual(pattern(64, 9));
  });

  it("the transfer's time is the call's: 2 cycles per word in SRAM1, 240 more for 120 more words", () => {
    const k = boot();
    const a = k.partitions.get("a")!.base;
    const b = k.partitions.get("b")!.base;
    const cycles = runClient(k, function* (t) {
      const out: number[] = [];
      for (const n of [32, 512]) {
        const before = k.scheduler.now().cycles;
        yield* t.dmaCopy(b, a, n);
        out.push(k.scheduler.now().cycles - before);
      }
      return out;
    });
    expect(cycles[1]! - cycles[0]!).toBe(240);
  });
});
