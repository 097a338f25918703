import type { AppDescription as KernelAppDescription } from "@rtos-sim/kernel";

/** Whether a value looks like a kernel app description (`name`, `description`, `tasks`, no `run`). */
export function isKernelApp(value: unknown): value is KernelAppDescription {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.run !== "function" &&
    typeof v.name === "string" &&
    typeof v.description === "string" &&
    (Array.isArray(v.tasks) || typeof v.tasks === "function")
  );
}
