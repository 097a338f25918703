import { type Dma, dmaStreamDevice } from "./dma.js";
import { type Gpdma, gpdmaDevice } from "./gpdma.js";
import { type Rp2040Dma, rp2040DmaDevice } from "./rp2040-dma.js";
import type { DeviceKind } from "./types.js";

/**
 * A DMA controller model the `dma` role can be: RM0090's stream ({@link Dma}), RM0456's channel
 * ({@link Gpdma}) or the RP2040's channel ({@link Rp2040Dma}).
 */
export type DmaController = Dma | Gpdma | Rp2040Dma;

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
} = {
  "stm32-dma": dmaStreamDevice,
  "stm32-gpdma": gpdmaDevice,
  "rp2040-dma": rp2040DmaDevice,
};

/**
 * Which controller model a board's `dma` role gets, by the name the board gives the device: a
 * `GPDMA<n>` (the STM32U5's GPDMA1, RM0456) gets {@link Gpdma}; a device named `DMA`, unnumbered
 * (the RP2040 datasheet's and the Pico SDK's name for the RP2040's controller), gets
 * {@link Rp2040Dma}; any other name (the STM32F4/H7's DMA2, RM0090) gets {@link Dma}. A board
 * file or JSON board picks the model by naming its device.
 *
 * @example
 * ```ts
 * dmaKindOf("GPDMA1"); // "stm32-gpdma"
 * dmaKindOf("DMA"); // "rp2040-dma"
 * dmaKindOf("DMA2"); // "stm32-dma"
 * ```
 */
export function dmaKindOf(name: string): DmaControllerKind {
  if (/^GPDMA\d*$/.test(name)) return "stm32-gpdma";
  return name === "DMA" ? "rp2040-dma" : "stm32-dma";
}

/** The DMA role: a memory-to-memory DMA controller ({@link dmaKindOf} picks its registers), a bus master the MPU does not see. */
export const dmaDevice: DeviceKind<DmaController> = {
  summary:
    "DMA controller, memory-to-memory: DMA2 stream 0 (STM32F4/H7 registers), GPDMA1 channel 0 (STM32U5 registers) or the RP2040's DMA channel 0, a bus master the MPU does not check",
  create: (name, env) => DMA_MODELS[dmaKindOf(name)].create(name, env),
};
