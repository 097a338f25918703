import { ActorMode, makeActor } from "@rtos-sim/hw";
import type { Scheduler, SyscallRequest, Task } from "@rtos-sim/sched";
import { KernelError } from "./errors.js";
import type { Kernel } from "./kernel.js";
import { Errno, type TaskInfo } from "./syscalls.js";
import type { KTask } from "./task-record.js";

function int(req: SyscallRequest, field: string, min: number, max: number, optional = false): number | undefined {
  const v = req[field];
  if (v === undefined && optional) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new KernelError(
      "BAD_ARGUMENT",
      `${req.op}: ${field} must be an integer in [${min}, ${max}], got ${String(v)}`,
      {
        op: req.op,
        field,
        value: v,
      },
    );
  }
  return v;
}

function str(req: SyscallRequest, field: string): string {
  const v = req[field];
  if (typeof v !== "string" || v.length === 0 || v.length > 64) {
    throw new KernelError("BAD_ARGUMENT", `${req.op}: ${field} must be a name`, { op: req.op, field, value: v });
  }
  return v;
}

function delay(req: SyscallRequest): { ticks: number } | { ms: number } | undefined {
  const t = req.timeout as { ticks?: unknown; ms?: unknown } | undefined;
  if (t === undefined) return undefined;
  if (typeof t === "object" && t !== null) {
    if (typeof t.ticks === "number" && Number.isInteger(t.ticks) && t.ticks >= 0) return { ticks: t.ticks };
    if (typeof t.ms === "number" && Number.isFinite(t.ms) && t.ms >= 0) return { ms: t.ms };
  }
  throw new KernelError("BAD_ARGUMENT", `${req.op}: timeout must be { ticks } or { ms } >= 0`, {
    op: req.op,
    field: "timeout",
  });
}

/** Validates a task's buffer against its own view, or faults it (`BAD_POINTER`). */
function buffer(
  kernel: Kernel,
  k: KTask,
  req: SyscallRequest,
  kind: "read" | "write",
  maxLength: number,
): [number, number] {
  const ptr = int(req, "ptr", 0, 0xffffffff)!;
  const length = int(req, "length", 0, maxLength)!;
  const why = kernel.validateBuffer(k, ptr, length, kind);
  if (why !== null) {
    throw new KernelError("BAD_POINTER", `${req.op}: task ${k.name} passed a buffer it may not ${kind}: ${why}`, {
      op: req.op,
      ptr,
      length,
    });
  }
  return [ptr, length];
}

function freed(k: KTask, ptr: number): void {
  const size = k.live.get(ptr) ?? 0;
  k.live.delete(ptr);
  k.heapInUse -= size;
}

function allocEvent(kernel: Kernel, k: KTask, op: "malloc" | "free" | "realloc", address: number, size: number): void {
  if (kernel.events.watched.alloc && kernel.events.listenerCount("alloc") > 0) {
    kernel.events.emit("alloc", { ...kernel.stamp(), task: k.name, op, address, size });
  }
}

/**
 * The kernel's syscalls, run in Handler mode (SVC) with the caller's MPU configuration still
 * loaded. Every pointer is validated against the caller's own view first; user buffers are then
 * copied with unprivileged (LDRT/STRT-style) accesses. A bad argument or pointer faults the
 * caller with a typed {@link KernelError}; the kernel and the other tasks go on.
 */
export function handleSyscall(
  kernel: Kernel,
  task: Task<KTask>,
  req: SyscallRequest,
  sched: Scheduler<KTask>,
): unknown {
  const k = task.data;
  const core = kernel.machine.core;
  core.mode = "handler";
  core.actor = makeActor(ActorMode.Kernel, k.id);
  try {
    const result = dispatch(kernel, k, task, req, sched);
    if (kernel.events.watched.syscall && kernel.events.listenerCount("syscall") > 0) {
      kernel.events.emit("syscall", { ...kernel.stamp(), task: k.name, op: req.op, result });
    }
    return result;
  } finally {
    core.mode = "thread";
    core.controlNPriv = !k.privileged;
    core.actor = makeActor(ActorMode.User, k.id);
  }
}

function dispatch(kernel: Kernel, k: KTask, task: Task<KTask>, req: SyscallRequest, sched: Scheduler<KTask>): unknown {
  const core = kernel.machine.core;
  switch (req.op) {
    case "malloc": {
      const size = int(req, "size", 0, 16 * 1024 * 1024)!;
      const align = int(req, "align", 1, 1024, true) ?? 8;
      if ((align & (align - 1)) !== 0) {
        throw new KernelError("BAD_ARGUMENT", `malloc: align must be a power of two, got ${align}`, {
          op: "malloc",
          field: "align",
          value: align,
        });
      }
      if (req.label !== undefined && typeof req.label !== "string") {
        throw new KernelError("BAD_ARGUMENT", "malloc: label must be a string", { op: "malloc", field: "label" });
      }
      if (!k.heap || size === 0) return 0;
      if (typeof req.label === "string") kernel.checker?.at(req.label);
      const p = k.heap.allocator.allocate(size, align);
      if (p === null) return 0;
      k.live.set(p, size);
      k.heapInUse += size;
      allocEvent(kernel, k, "malloc", p, size);
      return p;
    }
    case "free": {
      const ptr = int(req, "ptr", 0, 0xffffffff)!;
      if (ptr === 0) return Errno.OK; // free(NULL)
      if (!k.heap) throw new KernelError("BAD_ARGUMENT", "free: the task has no heap", { op: "free", ptr });
      k.heap.allocator.free(ptr); // validated by the allocator (or the checker): a typed error, nothing changed
      freed(k, ptr);
      allocEvent(kernel, k, "free", ptr, 0);
      return Errno.OK;
    }
    case "realloc": {
      const ptr = int(req, "ptr", 0, 0xffffffff)!;
      const size = int(req, "size", 0, 16 * 1024 * 1024)!;
      if (!k.heap) return 0;
      const a = k.heap.allocator;
      if (ptr !== 0 && !a.owns(ptr)) {
        a.free(ptr); // not a live block: the allocator (or the checker) reports it and changes nothing
        throw new KernelError("BAD_ARGUMENT", "realloc: not a live block", { op: "realloc", ptr });
      }
      if (ptr !== 0 && size === 0) {
        a.free(ptr);
        freed(k, ptr);
        allocEvent(kernel, k, "free", ptr, 0);
        return 0;
      }
      let p: number | null;
      if (ptr === 0) p = size === 0 ? null : a.allocate(size, 8);
      else if (typeof a.resize === "function") p = a.resize(ptr, size);
      else {
        const old = a.blockSize(ptr) ?? 0;
        p = a.allocate(size, 8);
        if (p !== null) {
          const n = Math.min(old, size);
          if (kernel.checker) kernel.checker.memcpy(p, ptr, n);
          else core.writeBytes(p, core.readBytes(ptr, n));
          a.free(ptr);
        }
      }
      if (p === null) return 0;
      if (ptr !== 0) freed(k, ptr);
      k.live.set(p, size);
      k.heapInUse += size;
      allocEvent(kernel, k, "realloc", p, size);
      return p;
    }
    case "sem-take": {
      const s = kernel.semaphores.get(str(req, "sem"));
      if (!s) return Errno.ENOENT;
      if (s.count > 0) {
        s.count--;
        return Errno.OK;
      }
      s.waiters.block(task, delay(req));
      return undefined;
    }
    case "sem-give": {
      const s = kernel.semaphores.get(str(req, "sem"));
      if (!s) return Errno.ENOENT;
      if (s.waiters.wakeOne(Errno.OK) !== null) return Errno.OK;
      if (s.count >= s.max) return Errno.EOVERFLOW;
      s.count++;
      return Errno.OK;
    }
    case "send": {
      const q = kernel.queues.get(str(req, "queue"));
      if (!q) return Errno.ENOENT;
      const [ptr, length] = buffer(kernel, k, req, "read", q.messageSize);
      const data = core.readBytes(ptr, length, !k.privileged);
      const waiter = q.receivers.peek();
      if (waiter) {
        // Hand the message straight to the waiting receiver's buffer: checked when it called
        // receive, and again now under its own MPU plan (a grant may have changed since).
        const dst = q.pending.get(waiter.id)!;
        q.pending.delete(waiter.id);
        const n = Math.min(length, dst.length);
        const rk = waiter.data;
        kernel.loader.load(rk.plan);
        const why = kernel.validateBuffer(rk, dst.ptr, n, "write");
        kernel.loader.load(k.plan);
        if (why === null) {
          core.writeBytes(dst.ptr, data.subarray(0, n));
          q.receivers.wakeOne(n);
          return Errno.OK;
        }
        // The buffer is no longer the receiver's to write: it faults, the message is queued.
        const error = new KernelError(
          "BAD_POINTER",
          `receive: task ${rk.name}'s buffer is no longer writable: ${why}`,
          {
            op: "receive",
            ptr: dst.ptr,
            length: dst.length,
          },
        );
        sched.fault(waiter, { kind: "kernel", message: error.message, error });
      }
      if (q.length >= q.capacity) return Errno.EAGAIN;
      const slot = q.slot(q.length);
      core.writeBytes(slot, data); // into kernel memory (privileged)
      q.lengths[(q.head + q.length) % q.capacity] = length;
      q.length++;
      return Errno.OK;
    }
    case "receive": {
      const q = kernel.queues.get(str(req, "queue"));
      if (!q) return Errno.ENOENT;
      const [ptr, length] = buffer(kernel, k, req, "write", 4096);
      if (q.length > 0) {
        const n = Math.min(q.lengths[q.head]!, length);
        const data = core.readBytes(q.slot(0), n);
        core.writeBytes(ptr, data, !k.privileged);
        q.head = (q.head + 1) % q.capacity;
        q.length--;
        return n;
      }
      q.pending.set(k.id, { ptr, length });
      q.receivers.block(task, delay(req));
      return undefined;
    }
    case "print": {
      const [ptr, length] = buffer(kernel, k, req, "read", 256);
      const bytes = core.readBytes(ptr, length, !k.privileged);
      let text = "";
      for (const b of bytes) text += String.fromCharCode(b);
      for (const line of text.replace(/\n$/, "").split("\n")) kernel.output(k.id, line);
      return length;
    }
    case "grant": {
      const partition = str(req, "partition");
      const target = kernel.task(str(req, "task"));
      const access = req.access;
      if (access !== "ro" && access !== "rw") {
        throw new KernelError("BAD_ARGUMENT", 'grant: access must be "ro" or "rw"', { op: "grant", field: "access" });
      }
      if (!target || !kernel.partitions.has(partition)) return Errno.ENOENT;
      const holds = k.grants.some((g) => g.label === `partition ${partition} (rw)`);
      if (!holds && !k.privileged) return Errno.EPERM;
      try {
        kernel.grant(target, partition, access);
      } catch (e) {
        if (e instanceof KernelError && e.code === "MPU_REGIONS_EXHAUSTED") return Errno.ENOSPC;
        throw e;
      }
      return Errno.OK;
    }
    case "info": {
      const info: TaskInfo = {
        id: k.id,
        name: k.name,
        priority: k.priority,
        privileged: k.privileged,
        stack: { base: k.stack.base, top: k.stack.top, sp: k.ctx.sp },
        now: kernel.nowMs(),
      };
      return info;
    }
    case "exit": {
      sched.stop(task);
      return Errno.OK;
    }
    default:
      throw new KernelError("BAD_SYSCALL", `unknown syscall ${JSON.stringify(req.op)}`, { op: req.op });
  }
}
