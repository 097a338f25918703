import type { Core } from "@rtos-sim/hw";
import type { MemoryChecker } from "@rtos-sim/memcheck";
import { address, byte, length } from "./task-args.js";

/**
 * The C library functions a task expects, run in the task's context: every byte they touch is
 * an access by the task (its MPU view and privilege, and the memory checker's states). With the
 * checker on they are the checker's own checked copies, so it knows what they are: an
 * overlapping `memcpy` is `overlapping-copy` (as ASan's `memcpy-param-overlap` and Memcheck's
 * "Source and destination overlap"), a copy carries each byte's initialized state instead of
 * requiring it (copying is not a use), `memcmp`, `strlen` and `strcpy`'s scan of its source
 * read what they compare (an uninitialized byte is `uninitialized-read`), and a range that leaves
 * its block is `heap-buffer-overflow` naming it.
 *
 * Each argument is read once, at the entry, and must be a plain number: an address an integer in
 * [0, 2^32), a length `n` an integer in [0, 2^32), memset's value any number (`BAD_ARGUMENT`
 * otherwise, before any byte is touched: the task faults unless it catches it). A copy's ranges
 * are checked (MPU view, bus, then the checker) before any work per byte.
 */
export interface TaskLibc {
  /** Copies `n` bytes from `src` to `dst` (the ranges must not overlap); returns `dst`. */
  memcpy(dst: number, src: number, n: number): number;
  /** Copies `n` bytes from `src` to `dst`; the ranges may overlap. Returns `dst`. */
  memmove(dst: number, src: number, n: number): number;
  /** Sets `n` bytes at `dst` to `value & 0xff`; returns `dst`. */
  memset(dst: number, value: number, n: number): number;
  /** Compares `n` bytes as unsigned chars: < 0, 0 or > 0 (the difference of the first differing pair). */
  memcmp(a: number, b: number, n: number): number;
  /** The length of the NUL-terminated string at `s`. */
  strlen(s: number): number;
  /**
   * Copies the NUL-terminated string at `src`, its NUL included, to `dst` (they must not
   * overlap); returns `dst`. The source is read as strlen reads it (a use: its bytes must be
   * initialized), then `strlen(src) + 1` bytes are copied as memcpy copies them: a destination one
   * byte too short is the classic `heap-buffer-overflow` of the terminator.
   */
  strcpy(dst: number, src: number): number;
}

/**
 * The C library of a task on `core`: plain accesses through the core, or the memory checker's
 * checked copies when `checker` is given. Both copy the whole source before writing (memmove's
 * semantics), so an overlapping memcpy gives the same bytes with the checker on and off (the
 * checker reports it; with the default policy the report stops the task first).
 *
 * @example
 * ```ts
 * import { type Kernel, makeLibc } from "@rtos-sim/kernel";
 * function copy(kernel: Kernel, dst: number, src: number): void {
 *   const libc = makeLibc(kernel.machine.core, kernel.checker);
 *   libc.memcpy(dst, src, 16);
 * }
 * ```
 */
export function makeLibc(core: Core, checker: MemoryChecker | null): TaskLibc {
  // Every argument is checked and read once, at the entry, and only those numbers are used.
  const copy = (dst: number, src: number, n: number) => {
    if (n === 0) return;
    if (checker) checker.memmove(dst, src, n, core);
    else core.writeBytes(dst, core.readBytes(src, n));
  };
  const strlen = (s: number) => {
    let n = 0;
    while (core.read8((s + n) >>> 0) !== 0) n++;
    return n;
  };
  return {
    memcpy(dstArg, srcArg, nArg) {
      const dst = address("memcpy", "dst", dstArg);
      const src = address("memcpy", "src", srcArg);
      const n = length("memcpy", "n", nArg);
      checker?.checkCopy(dst, src, n); // overlapping-copy (stops the task with the default policy)
      copy(dst, src, n);
      return dst;
    },
    memmove(dstArg, srcArg, nArg) {
      const dst = address("memmove", "dst", dstArg);
      const src = address("memmove", "src", srcArg);
      copy(dst, src, length("memmove", "n", nArg));
      return dst;
    },
    memset(dstArg, valueArg, nArg) {
      const dst = address("memset", "dst", dstArg);
      const value = byte("memset", valueArg);
      const n = length("memset", "n", nArg);
      if (n > 0) core.fill(dst, value, n);
      return dst;
    },
    memcmp(aArg, bArg, nArg) {
      const a = address("memcmp", "a", aArg);
      const b = address("memcmp", "b", bArg);
      const n = length("memcmp", "n", nArg);
      if (n === 0) return 0;
      // Both ranges are read whole, as ASan's strict_memcmp checks them.
      const x = core.readBytes(a, n);
      const y = core.readBytes(b, n);
      for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
      return 0;
    },
    strlen(sArg) {
      return strlen(address("strlen", "s", sArg));
    },
    strcpy(dstArg, srcArg) {
      const dst = address("strcpy", "dst", dstArg);
      const src = address("strcpy", "src", srcArg);
      const n = strlen(src) + 1;
      checker?.checkCopy(dst, src, n); // overlapping-copy (ASan's strcpy-param-overlap)
      copy(dst, src, n);
      return dst;
    },
  };
}
