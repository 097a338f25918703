import type { KernelOptions } from "./config.js";
import { Kernel } from "./kernel.js";

/** Boots a kernel (see {@link Kernel.boot}). */
export function bootKernel(options: KernelOptions): Kernel {
  return Kernel.boot(options);
}
