import { ActorMode, hex32, type Machine, makeActor, Perm } from "@rtos-sim/hw";
import type { MemoryChecker } from "@rtos-sim/memcheck";
import type { KTask } from "./task-record.js";

/**
 * Checks a task may `kind` the buffer [ptr, ptr+length) on its own: by its MPU view (the plan
 * loaded now, at the task's privilege `privileged`, by default what its last switch-in loaded:
 * FreeRTOS's `xPortIsAuthorizedToAccessBuffer`, Zephyr's `arch_buffer_validate`), every 32-byte
 * granule of it; that it is memory (not a peripheral or a hole); and by the checker's byte
 * states when the checker is on (no freed block, no redzone).
 * Returns null when allowed, else why not. Reads and changes nothing.
 *
 * @example
 * ```ts
 * import { checkBuffer, type Kernel, type KTask } from "@rtos-sim/kernel";
 * function canWrite(kernel: Kernel, task: KTask, ptr: number): string | null {
 *   return checkBuffer(kernel.machine, kernel.checker, task, ptr, 16, "write"); // null, or the reason
 * }
 * ```
 */
export function checkBuffer(
  machine: Machine,
  checker: MemoryChecker | null,
  k: KTask,
  ptr: number,
  length: number,
  kind: "read" | "write",
  privileged: boolean = k.privileged,
): string | null {
  if (!Number.isInteger(ptr) || ptr < 0 || ptr > 0xffffffff) return `pointer ${String(ptr)} is not a 32-bit address`;
  if (!Number.isInteger(length) || length < 0 || ptr + length > 0x100000000) {
    return `length ${String(length)} is out of range`;
  }
  if (length === 0) return null;
  const core = machine.core;
  const need = kind === "read" ? (privileged ? Perm.PR : Perm.UR) : privileged ? Perm.PW : Perm.UW;
  // One address per 32-byte MPU granule, and each memory segment's end: a segment need not end
  // on a granule (the STM32F407's 528-byte OTP ends at 0x1FFF7A10), and the span may go past it.
  for (let a = ptr; a < ptr + length; ) {
    if ((core.permissionAt(a) & need) === 0) {
      return `${kind} of [${hex32(ptr)}, ${hex32(ptr + length)}) denied at ${hex32(a)} by the task's MPU view`;
    }
    const seg = machine.bus.segmentFor(a);
    if (!seg) return `[${hex32(ptr)}, ${hex32(ptr + length)}) is not memory (at ${hex32(a)})`;
    a = Math.min((Math.floor(a / 32) + 1) * 32, seg.end);
  }
  if (checker) {
    // The MPU view was checked above (at the task's privilege); the checker adds its byte states.
    const r = checker.validateBuffer(makeActor(ActorMode.User, k.id), ptr, length, kind, () => 0xff);
    if (!r.ok) return r.message;
  }
  return null;
}
