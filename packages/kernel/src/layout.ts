import { type Board, ceilLog2, type MemoryRegion, powerOfTwoAtLeast } from "@rtos-sim/hw";
import { KernelError } from "./errors.js";

/** Where the kernel puts things on a board. */
export interface BoardLayout {
  /** RAM regions the region manager manages (below the peripheral range, writable, not the code memory). */
  readonly ram: readonly MemoryRegion[];
  /** The RAM region the image's .data/.bss and the main stack occupy (at its start). */
  readonly main: MemoryRegion;
  /**
   * Code memory (flash; MPS2's SSRAM1): where every task's code lies. Each task executes from its
   * own 4 KiB slot of it, or from all of it with `KernelOptions.codeIsolation: "shared"` (one MPU
   * region covering this range).
   */
  readonly code: {
    /** Its base: the VTOR value (the vector table sits here); aligned on `size`. */
    readonly base: number;
    /** Bytes: a power of two covering the executable flash (or the RAM at 0), so one MPU region can. */
    readonly size: number;
    /** Whether it is RAM rather than flash (boards without flash: the executable RAM at 0, e.g. MPS2's SSRAM1). */
    readonly writable: boolean;
    /** The board's name of the (first) memory region it covers, e.g. "Flash" on the STM32F407. */
    readonly name: string;
  };
}

/**
 * Chooses the code memory (the first executable flash region; on boards without flash, the
 * executable RAM at address 0) and the managed RAM (writable, executable-or-not RAM below
 * 0x40000000; Device-mapped backup SRAM is left out), and the main RAM (the one holding
 * 0x20000000, else the largest).
 */
export function layoutBoard(board: Board): BoardLayout {
  const flash = board.memory.filter((r) => r.kind === "flash" && r.executable);
  let code: BoardLayout["code"];
  if (flash.length > 0) {
    const first = flash[0]!;
    const end = Math.max(...flash.filter((r) => r.start < first.start + 0x1000000).map((r) => r.end));
    const size = powerOfTwoAtLeast(end - first.start, 32);
    const base = first.start - (first.start % size);
    code = { base, size, writable: false, name: first.name };
  } else {
    const zero = board.memory.find((r) => r.start === 0 && r.executable && r.kind === "ram");
    if (!zero) {
      throw new KernelError("BAD_CONFIG", `board ${board.name} has no flash and no executable RAM at 0 for code`, {
        board: board.name,
      });
    }
    code = { base: 0, size: powerOfTwoAtLeast(zero.size, 32), writable: true, name: zero.name };
  }
  const ram = board.memory.filter(
    (r) =>
      r.kind === "ram" &&
      !r.readOnly &&
      r.end <= 0x40000000 &&
      !(r.start >= code.base && r.start < code.base + code.size),
  );
  if (ram.length === 0)
    throw new KernelError("BAD_CONFIG", `board ${board.name} has no RAM to manage`, { board: board.name });
  const main =
    ram.find((r) => r.start <= 0x20000000 && r.end > 0x20000000) ?? [...ram].sort((a, b) => b.size - a.size)[0]!;
  return { ram, main, code };
}

/** Page order of the smallest block of 2^k pages holding `bytes`. */
export function orderFor(bytes: number, pageOrder: number): number {
  return ceilLog2(Math.max(1, Math.ceil(bytes / 2 ** pageOrder)));
}
