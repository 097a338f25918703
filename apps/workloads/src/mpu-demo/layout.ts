import type { Board, MemoryRegion, RegionAccess } from "@rtos-sim/hw";
import { AppError } from "../errors.js";
import { type DemoRegion, demoMpu } from "./regions.js";

/** An address range of the demo's layout. */
export interface Span {
  readonly base: number;
  readonly size: number;
}

/** A task of the demo: its RAM and the MPU regions (1..3) the kernel loads when it runs. */
export interface DemoTask {
  readonly name: "sensor" | "logger";
  readonly ram: Span;
  /** Settings of MPU regions 1, 2, 3 (null: region disabled) and what each is for. */
  readonly regions: readonly ({ readonly settings: DemoRegion; readonly label: string } | null)[];
}

/** Where the demo puts code, kernel data, task RAM, the shared ring and the UART on a board. */
export interface DemoLayout {
  /** Memory the code runs from: MPU region 0, read-only and executable for everyone. */
  readonly code: Span & { readonly region: string };
  /** RAM region holding the kernel data, the tasks' RAM and the ring. */
  readonly ram: MemoryRegion;
  /** Kernel data: privileged only (no MPU region: the PRIVDEFENA background map covers it). */
  readonly kernel: Span;
  /** The word of kernel data the rogue access goes for. */
  readonly secret: number;
  /** The ring of samples: read-write for the sensor, read-only for the logger. */
  readonly ring: Span;
  /** The UART the logger prints through (device memory), or null when the board names none. */
  readonly uart: (Span & { readonly name: string; readonly dataRegister: number }) | null;
  readonly sensor: DemoTask;
  readonly logger: DemoTask;
}

const K = 1024;
/** Bytes of each task's RAM and of the kernel data. */
export const TASK_RAM = 4 * K;
/** Bytes of the ring. */
export const RING_SIZE = 1 * K;

function pickCode(board: Board): MemoryRegion | undefined {
  return (
    board.memory.find((m) => m.kind === "flash" && m.executable) ??
    board.memory.find((m) => m.kind === "ram" && m.executable && m.start < 0x20000000)
  );
}

function pickRam(board: Board): MemoryRegion | undefined {
  const fits = (m: MemoryRegion) => m.kind === "ram" && m.size >= 16 * K && m.start % (4 * K) === 0;
  return (
    board.memory.find((m) => fits(m) && m.start >= 0x20000000 && m.start < 0x40000000) ??
    board.memory.find((m) => fits(m) && m.start < 0x40000000 && m !== pickCode(board))
  );
}

function pickUart(board: Board): DemoLayout["uart"] {
  const entry = Object.entries(board.devices).find(([name]) => /^(US)?ART\d|^UART/i.test(name));
  if (!entry) return null;
  const [name, address] = entry;
  const size = address % K === 0 ? K : address % 256 === 0 ? 256 : 32;
  // Transmit data register: USART_DR (STM32F4, offset 4), USART_TDR (STM32H7 and STM32U5, 0x28),
  // CMSDK UART DATA (MPS2, MPS3) and PL011 UARTDR (RP2350) at 0.
  const dataRegister = !name.startsWith("USART") ? 0x00 : board.core === "cortex-m4" ? 0x04 : 0x28;
  return { name, base: address - (address % size), size, dataRegister };
}

/**
 * Lays the demo out on a board: code in the first executable flash (or code-range RAM), kernel
 * data, two 4 KiB task RAMs and a 1 KiB ring at the start of the first SRAM of 16 KiB or more.
 * The regions follow the board's MPU architecture: the code region a power of two on PMSAv7,
 * the whole code memory on PMSAv8; the logger's view of the ring unprivileged read-only
 * (PMSAv7 `priv-rw-user-ro`, PMSAv8 `ro`). No two regions of a task overlap (PMSAv8 would
 * fault there). Throws {@link AppError} `BOARD_UNSUITABLE` when the board has no such memory.
 */
export function demoLayout(board: Board): DemoLayout {
  const mpu = demoMpu(board.mpuArchitecture);
  const codeRegion = pickCode(board);
  const ram = pickRam(board);
  if (!codeRegion || !ram) {
    throw new AppError(
      "BOARD_UNSUITABLE",
      `board "${board.name}" has no ${codeRegion ? "RAM region of 16 KiB or more" : "executable flash or code RAM"} for the mpu-demo app`,
      { board: board.name },
    );
  }
  const kernel = { base: ram.start, size: TASK_RAM };
  const sensorRam = { base: ram.start + TASK_RAM, size: TASK_RAM };
  const loggerRam = { base: ram.start + 2 * TASK_RAM, size: TASK_RAM };
  const ring = { base: ram.start + 3 * TASK_RAM, size: RING_SIZE };
  const uart = pickUart(board);
  const data = (span: Span, access: RegionAccess): DemoRegion => ({
    base: span.base,
    size: span.size,
    access,
    executable: false,
    memory: "normal-wb",
  });
  return {
    code: { base: codeRegion.start, size: mpu.codeSpan(codeRegion.start, codeRegion.size), region: codeRegion.name },
    ram,
    kernel,
    secret: kernel.base + 0x10,
    ring,
    uart,
    sensor: {
      name: "sensor",
      ram: sensorRam,
      regions: [
        { settings: data(sensorRam, "rw"), label: "sensor RAM" },
        { settings: data(ring, "rw"), label: "ring (read-write)" },
        null,
      ],
    },
    logger: {
      name: "logger",
      ram: loggerRam,
      regions: [
        { settings: data(loggerRam, "rw"), label: "logger RAM" },
        { settings: data(ring, mpu.userReadOnly), label: "ring (read-only)" },
        uart
          ? {
              settings: { base: uart.base, size: uart.size, access: "rw", executable: false, memory: "device" },
              label: `${uart.name} (device)`,
            }
          : null,
      ],
    },
  };
}
