/**
 * Helpers shared by the kernel's tests (not exported from the package): a kernel on STM32F407
 * with fixed partitions and queues, well-behaved "victim" tasks that leave a deterministic
 * footprint in their stack, heap and partition, and snapshots of that memory read with
 * `bus.peek` (no checks, no hook).
 */
import { type Board, STM32F407 } from "@rtos-sim/hw";
import { fnv1a64 } from "@rtos-sim/sched";
import type { AppEnv } from "./app-env.js";
import { bootKernel } from "./boot.js";
import type { KernelOptions, TaskSpec } from "./config.js";
import type { Kernel } from "./kernel.js";
import type { TaskContext } from "./task-context.js";
import type { KTask } from "./task-record.js";

/** Boots F407 with partitions "shared" (1 KiB), "ro" (1 KiB), "secret" (1 KiB) and queue "q" (16 B x 4). */
export function bootTest(options: Partial<KernelOptions> = {}, board: Board = STM32F407): Kernel {
  return bootKernel({
    board,
    partitions: [
      { name: "shared", size: 1024 },
      { name: "ro", size: 1024 },
      { name: "secret", size: 1024 },
    ],
    queues: [{ name: "q", messageSize: 16, capacity: 4 }],
    semaphores: [{ name: "s", initial: 0, max: 4 }],
    ...options,
  });
}

/** Writes a string into a task's memory and prints it (one line). */
export function* say(t: TaskContext, buf: number, text: string): Generator<unknown, void, unknown> {
  t.writeString(buf, `${text}\n`);
  yield* t.print(buf, text.length + 1);
}

/**
 * A well-behaved task: 10 rounds of writing its stack, heap and (when granted rw) the "shared"
 * partition, printing a line, and sleeping 1 ms. `kernel` tells where "shared" lies (the kernel,
 * or an app's environment).
 */
export function victim(name: string, tag: number, kernel: Kernel | AppEnv, sharedRw: boolean): TaskSpec {
  return {
    name,
    partitions: sharedRw ? { shared: "rw", ro: "ro" } : { ro: "ro" },
    *main(t) {
      const p = yield* t.malloc(64);
      const shared =
        ("partitions" in kernel ? kernel.partitions.get("shared")!.base : kernel.partition("shared").base) + 64 * tag;
      for (let i = 0; i < 10; i++) {
        const s = t.push(32);
        t.write32(s, tag * 1000 + i);
        t.write32(s + 4, t.read32(s) ^ 0x5a5a5a5a);
        t.pop(32);
        t.write32(p + 4 * (i % 8), tag * 100 + i);
        if (sharedRw) t.write32(shared + 4 * i, tag * 10 + i);
        yield* say(t, p + 32, `${name} ${i}`);
        yield* t.sleep({ ms: 1 });
      }
      // Give the block back: the kernel's leak scan at exit would report it otherwise.
      yield* t.free(p);
    },
  };
}

/** The memory a task owns: its stack block and its heap block, as raw bytes. */
export function taskMemory(k: Kernel, t: KTask): Uint8Array[] {
  const bus = k.machine.bus;
  const out = [bus.peek(t.stack.base, t.stack.top - t.stack.base)];
  if (t.heap) out.push(bus.peek(t.heap.base, t.heap.size));
  return out;
}

/** FNV-1a of byte arrays (as hex pairs). */
export function hashBytes(parts: readonly Uint8Array[]): string {
  let s = "";
  for (const p of parts) for (const b of p) s += String.fromCharCode(b);
  return fnv1a64(s);
}

/** Hash of the victims' stacks and heaps, of the partitions, and their output. */
export function footprint(k: Kernel, names: readonly string[]): { memory: string; outputs: string[][] } {
  const parts: Uint8Array[] = [];
  for (const n of names) parts.push(...taskMemory(k, k.task(n)!));
  for (const p of k.partitions.values()) parts.push(k.machine.bus.peek(p.base, p.size));
  return { memory: hashBytes(parts), outputs: names.map((n) => [...k.task(n)!.output]) };
}
