import { SimError } from "@rtos-sim/hw";

/** Error codes raised by `@rtos-sim/kernel`. */
export type KernelErrorCode =
  | "BAD_TASK"
  | "DUPLICATE_TASK"
  | "UNKNOWN_PARTITION"
  | "UNKNOWN_DEVICE"
  | "MPU_REGIONS_EXHAUSTED"
  | "OUT_OF_MEMORY"
  | "BAD_SYSCALL"
  | "BAD_ARGUMENT"
  | "BAD_POINTER"
  | "BAD_CONFIG"
  | "PANIC";

/** A typed kernel error: bad task or partition description, exhausted MPU regions, bad syscall. */
export class KernelError extends SimError<KernelErrorCode> {
  constructor(code: KernelErrorCode, message: string, context: Record<string, unknown> = {}) {
    super(code, message, context);
    this.name = "KernelError";
  }
}
