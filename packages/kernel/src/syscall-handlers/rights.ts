import type { KTask } from "../task-record.js";

/**
 * Whether the caller may `use` the queue or semaphore `name`, by the rights its `TaskSpec` gave
 * it (`queues: { name: "send" | "receive" | "both" }`, `semaphores: { name: "give" | "take" |
 * "both" }`). Anything not granted is `EPERM` for the syscall, so a task cannot inject messages
 * into another task's queue, steal its messages, or release its semaphore.
 */
export function mayUse(
  caller: KTask,
  kind: "queues" | "semaphores",
  name: string,
  use: "send" | "receive" | "give" | "take",
): boolean {
  const right = caller.spec[kind]?.[name];
  return right === use || right === "both";
}

/** Whether the caller may lock (and unlock) the mutex `name`: it is in its `TaskSpec.mutexes`. */
export function mayLock(caller: KTask, name: string): boolean {
  return caller.spec.mutexes?.includes(name) ?? false;
}
