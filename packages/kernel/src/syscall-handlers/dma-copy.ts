import { DMA_DRIVERS } from "../devices/dma-driver.js";
import { Errno } from "../syscalls.js";
import { int } from "./args.js";
import type { SyscallHandler } from "./context.js";

/** The most items any controller moves in one copy (DMA2's NDTR is 16 bits); the field's bound. */
const MAX_ITEMS = 0xffff;

/**
 * `dma-copy(dst, src, length)`: the kernel's DMA service, what a kernel must do instead of granting
 * tasks the DMA's registers (whose transfers no MPU checks). In order: the fields (malformed:
 * fault); `ENODEV` without a `dma` device; `EINVAL` for overlapping buffers or more than 65535
 * items (words when `dst`, `src` and `length` are multiples of 4, else bytes; GPDMA1: more than
 * 65535 bytes, its BNDT; the RP2040's 32-bit TRANS_COUNT: only the field's bound, 262140 bytes);
 * `EFAULT` when the
 * caller may not read the source or write the destination itself (its MPU view at its privilege,
 * and the checker's byte states when it is on: a freed block is refused); `ENXIO` when the DMA
 * cannot reach either (the STM32F407's CCM, the STM32H7's TCMs, flash as a destination); `EBUSY`
 * while the channel is enabled. Then it programs the board's controller with its driver
 * ({@link DMA_DRIVERS}: DMA2 stream 0's flags cleared, PAR, M0AR, NDTR, CR with EN, RM0090
 * "Stream configuration procedure"; GPDMA1 channel 0's flags cleared, SAR, DAR, BR1, TR1, TR2,
 * CR with EN, RM0456; the RP2040's channel 0: its errors and EN cleared through AL1_CTRL, then
 * READ_ADDR, WRITE_ADDR, TRANS_COUNT, CTRL_TRIG, datasheet 2.5.2) and polls its status register
 * (the RP2040's: CTRL's BUSY and error bits) until the transfer is over, so the caller's
 * buffers outlive it: `OK`, or `EIO` on a transfer error. The register accesses and the wait are
 * the syscall's cost (2 cycles per poll). A refusal changes
 * nothing. The buffers' refusals are codes, not faults as for `send` or `print`: a DMA request
 * is a service a driver may be refused.
 */
export const dmaCopy: SyscallHandler<"dma-copy"> = (ctx, req) => {
  const dst = int(req, "dst", 0, 0xffffffff);
  const src = int(req, "src", 0, 0xffffffff);
  const length = int(req, "length", 0, MAX_ITEMS * 4);
  const { kernel, caller } = ctx;
  const dma = kernel.devices.dma;
  if (dma === undefined) return Errno.ENODEV;
  if (length === 0) return Errno.OK;
  const words = src % 4 === 0 && dst % 4 === 0 && length % 4 === 0;
  const size = words ? 2 : 0;
  const items = words ? length / 4 : length;
  const driver = DMA_DRIVERS[dma.kind];
  if (items > driver.maxItems(size) || (src < dst + length && dst < src + length)) return Errno.EINVAL;
  if (src + length > 0x1_0000_0000 || dst + length > 0x1_0000_0000) return Errno.EFAULT;
  if (kernel.validateBuffer(caller, src, length, "read") !== null) return Errno.EFAULT;
  if (kernel.validateBuffer(caller, dst, length, "write") !== null) return Errno.EFAULT;
  if (dma.reach(src, length, false) !== null || dma.reach(dst, length, true) !== null) return Errno.ENXIO;
  const core = kernel.machine.core;
  const base = kernel.device("dma").base;
  if (driver.enabled(core, base)) return Errno.EBUSY;
  driver.clear(core, base, driver.endFlags);
  driver.start(core, base, { src, dst, bytes: length, size });
  // Poll as a driver does; each read catches the DMA up to now. Should the clock not move (no
  // cycle counting), the transfer is settled at its completion time instead of polling forever.
  const end = dma.completesAt();
  let flags = driver.flags(core, base);
  while (flags === 0) {
    if (end === null) return Errno.EIO; // the channel did not start: nothing moved
    if (ctx.sched.now().cycles >= end) dma.settle(end);
    flags = driver.flags(core, base);
  }
  driver.clear(core, base, flags);
  return (flags & driver.errorFlags) !== 0 ? Errno.EIO : Errno.OK;
};
