import type { SyscallHandler } from "./context.js";

/** `info()`: the caller's id, name, base and effective priority, privilege, stack (base, top, SP) and the time in ms. */
export const info: SyscallHandler<"info"> = ({ kernel, caller }) => ({
  id: caller.id,
  name: caller.name,
  priority: caller.priority,
  effectivePriority: kernel.schedTask(caller).priority,
  privileged: caller.privileged,
  stack: { base: caller.stack.base, top: caller.stack.top, sp: caller.ctx.sp },
  now: kernel.nowMs(),
});
