import { type Dma, dmaStreamDevice } from "./dma.js";
import { type Gpdma, gpdmaDevice } from "./gpdma.js";
import type { DeviceKind } from "./types.js";

/** A DMA controller model the `dma` role can be: RM0090's stream ({@link Dma}) or RM0456's channel ({@link Gpdma}). */
export type DmaController = Dma | Gpdma;

/** The register interface of a DMA controller model: the key of its driver ({@link DMA_DRIVERS}). */
export type DmaControllerKind = DmaController["kind"];

/** The controller models by kind, each one entry (and one file) as every device is. */
export const DMA_MODELS: {
  /** RM0090's DMA stream ({@link Dma}): the STM32F4/H7's DMA2. */
  readonly "stm32-dma": DeviceKind<Dma>;
  /** RM0456's GPDMA channel ({@link Gpdma}): the STM32U5's GPDMA1. */
  readonly "stm32-gpdma": DeviceKind<Gpdma>;
} = {
  "stm32-dma": dmaStreamDevice,
  "stm32-gpdma": gpdmaDevice,
};

/**
 * Which controller model a board's `dma` role gets, by the name the board gives the device: a
 * `GPDMA<n>` (the STM32U5's GPDMA1, RM0456) gets {@link Gpdma}; any other name (the STM32F4/H7's
 * DMA2, RM0090) gets {@link Dma}. A board file or JSON board picks the model by naming its device.
 *
 * @example
 * ```ts
 * dmaKindOf("GPDMA1"); // "stm32-gpdma"
 * dmaKindOf("DMA2"); // "stm32-dma"
 * ```
 */
export function dmaKindOf(name: string): DmaControllerKind {
  return /^GPDMA\d*$/.test(name) ? "stm32-gpdma" : "stm32-dma";
}

/** The DMA role: a memory-to-memory DMA controller ({@link dmaKindOf} picks its registers), a bus master the MPU does not see. */
export const dmaDevice: DeviceKind<DmaController> = {
  summary:
    "DMA controller, memory-to-memory: DMA2 stream 0 (STM32F4/H7 registers) or GPDMA1 channel 0 (STM32U5 registers), a bus master the MPU does not check",
  create: (name, env) => DMA_MODELS[dmaKindOf(name)].create(name, env),
};
