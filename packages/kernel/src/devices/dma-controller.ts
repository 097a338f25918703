import type { Board } from "@rtos-sim/hw";
import { type Dma, dmaStreamDevice } from "./dma.js";
import { type Gpdma, gpdmaDevice } from "./gpdma.js";
import { type Rp2040Dma, rp2040DmaDevice } from "./rp2040-dma.js";
import { type Rp2350Dma, rp2350DmaDevice } from "./rp2350-dma.js";
import type { DeviceKind } from "./types.js";

/**
 * A DMA controller model the `dma` role can be: RM0090's stream ({@link Dma}), RM0456's channel
 * ({@link Gpdma}), the RP2040's channel ({@link Rp2040Dma}) or the RP2350's ({@link Rp2350Dma}).
 */
export type DmaController = Dma | Gpdma | Rp2040Dma | Rp2350Dma;

/** The register interface of a DMA controller model: the key of its driver ({@link DMA_DRIVERS}). */
export type DmaControllerKind = DmaController["kind"];

/** The controller models by kind, each one entry (and one file) as every device is. */
export const DMA_MODELS: {
  /** RM0090's DMA stream ({@link Dma}): the STM32F4/H7's DMA2. */
  readonly "stm32-dma": DeviceKind<Dma>;
  /** RM0456's GPDMA channel ({@link Gpdma}): the STM32U5's GPDMA1. */
  readonly "stm32-gpdma": DeviceKind<Gpdma>;
  /** The RP2040 datasheet's DMA channel ({@link Rp2040Dma}): the RP2040's DMA. */
  readonly "rp2040-dma": DeviceKind<Rp2040Dma>;
  /** The RP2350 datasheet's DMA channel with its security registers ({@link Rp2350Dma}): the RP2350's DMA. */
  readonly "rp2350-dma": DeviceKind<Rp2350Dma>;
} = {
  "stm32-dma": dmaStreamDevice,
  "stm32-gpdma": gpdmaDevice,
  "rp2040-dma": rp2040DmaDevice,
  "rp2350-dma": rp2350DmaDevice,
};

/**
 * Which controller model a board's `dma` role gets, by the name the board gives the device: a
 * `GPDMA<n>` (the STM32U5's GPDMA1, RM0456) gets {@link Gpdma}; a device named `DMA`, unnumbered
 * (the Raspberry Pi datasheets' and the Pico SDK's name for their controller), gets
 * {@link Rp2350Dma} on an ARMv8-M board (`architecture` "pmsav8": the RP2350) and
 * {@link Rp2040Dma} elsewhere; any other name (the STM32F4/H7's DMA2, RM0090) gets {@link Dma}. A
 * board file or JSON board picks the model by naming its device.
 *
 * @example
 * ```ts
 * import { dmaKindOf } from "@rtos-sim/kernel";
 * console.log(dmaKindOf("GPDMA1")); // stm32-gpdma
 * console.log(dmaKindOf("DMA")); // rp2040-dma
 * console.log(dmaKindOf("DMA", "pmsav8")); // rp2350-dma
 * console.log(dmaKindOf("DMA2")); // stm32-dma
 * ```
 */
export function dmaKindOf(name: string, architecture?: Board["mpuArchitecture"]): DmaControllerKind {
  if (/^GPDMA\d*$/.test(name)) return "stm32-gpdma";
  if (name !== "DMA") return "stm32-dma";
  return architecture === "pmsav8" ? "rp2350-dma" : "rp2040-dma";
}

/** The DMA role: a memory-to-memory DMA controller ({@link dmaKindOf} picks its registers), a bus master the MPU does not see. */
export const dmaDevice: DeviceKind<DmaController> = {
  summary:
    "DMA controller, memory-to-memory: DMA2 stream 0 (STM32F4/H7 registers), GPDMA1 channel 0 (STM32U5 registers), the RP2040's or the RP2350's DMA channel 0, a bus master the MPU does not check",
  create: (name, env) => DMA_MODELS[dmaKindOf(name, env.architecture)].create(name, env),
};
