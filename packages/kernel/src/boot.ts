import type { KernelOptions } from "./config.js";
import { defaultHeapFactory } from "./default-heap.js";
import { Kernel } from "./kernel.js";

/** Boots a kernel with the default task heaps (TLSF, or first fit per task). */
export function bootKernel(options: KernelOptions): Kernel {
  return Kernel.boot(options, { heapFactory: defaultHeapFactory });
}
