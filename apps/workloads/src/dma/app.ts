import { BOARDS, type Board } from "@rtos-sim/hw";
import {
  type AppCheck,
  type AppDescription,
  type AppEnv,
  DMA_DRIVERS,
  type DmaControllerKind,
  type DmaDriver,
  defineApp,
  dmaKindOf,
  Errno,
  type FaultRecord,
  type Kernel,
  Rp2350DmaCtrl,
  Rp2350DmaReg,
  Rp2350Seccfg,
  type TaskContext,
  type TaskSpec,
  TcbField,
} from "@rtos-sim/kernel";
import { notReached } from "../shared/not-reached.js";
import { sleepUntil } from "../shared/sleep-until.js";
import { uartWrite } from "../shared/uart.js";

/** Bytes of the keeper's secret, and of each copy the app makes. */
export const SECRET_BYTES = 64;
/** Bytes of `sloppy`'s transfer: long enough that its buffer is freed while the DMA still runs. */
export const SLOPPY_BYTES = 1024;
/** When each task starts its scenario, in ms. */
export const AT_MS = {
  /** `intruder`'s attempt at the DMA's registers, which it was not granted (after the rogue's copy: its priority is lower). */
  intruder: 1,
  /** The rogue's copy of the key, then its write over it, then over its own MPU record. */
  rogue: 1,
  /** The rogue's first load of the kernel's memory, after the switch that loaded its rewritten MPU record. */
  escalated: 2,
  /** The driver's two dma-copy calls. */
  driver: 3,
  /** `local`'s dma-copy from its stack. */
  local: 3.5,
  /** `sloppy`'s transfer into a buffer it frees. */
  sloppy: 5,
} as const;

/** PMSAv7 RASR.AP (bits 26:24), and its full-access value 0b011 (docs/mpu-model.md). */
const RASR_AP = 7 << 24;
const RASR_AP_FULL = 3 << 24;
/** PMSAv8 RBAR.AP (bits 2:1), and its read-write-at-any-privilege value 0b01 (docs/mpu-model.md). */
const RBAR_AP = 3 << 1;
const RBAR_AP_FULL = 1 << 1;

/**
 * Where the kernel's block region (the plan's last region, the kernel's grants taking the
 * highest-numbered ones) keeps its access permissions in a task's MPU record, in words from the
 * record's start, with the field's mask and its full-access value: PMSAv7's last RASR (the record
 * an RBAR/RASR pair per region), PMSAv8's last RBAR (the record MAIR0, MAIR1, an RBAR/RLAR pair
 * per region, then PSPLIM).
 */
export function kernelRegionAccess(board: Board): { words: number; at: number; mask: number; full: number } {
  const n = board.mpuRegions;
  return board.mpuArchitecture === "pmsav8"
    ? { words: 2 * n + 3, at: 2 + 2 * (n - 1), mask: RBAR_AP, full: RBAR_AP_FULL }
    : { words: 2 * n, at: 2 * n - 1, mask: RASR_AP, full: RASR_AP_FULL };
}

/** The board's DMA controller's driver ({@link DMA_DRIVERS}, by the attached device's kind) and its name (DMA2, GPDMA1). */
interface DmaHandle {
  readonly driver: DmaDriver;
  /** The flag a refused beat sets (DMA2's TEIF0, GPDMA1's DTEF). */
  readonly errorFlag: string;
  readonly base: number;
  readonly name: string;
}

/** The flag a refused beat sets, by controller kind (the RP2040's: CH0_CTRL_TRIG's READ_ERROR or WRITE_ERROR). */
const ERROR_FLAG: Readonly<Record<DmaControllerKind, string>> = {
  "stm32-dma": "TEIF0",
  "stm32-gpdma": "DTEF",
  "rp2040-dma": "READ_ERROR/WRITE_ERROR",
  "rp2350-dma": "READ_ERROR/WRITE_ERROR",
};

/** The `dma` device's handle: its driver by kind, its base, the board's name for it. */
function dmaHandle(env: AppEnv): DmaHandle {
  const name = env.board.roles.dma!;
  const kind = dmaKindOf(name, env.board.mpuArchitecture);
  return {
    driver: DMA_DRIVERS[kind],
    errorFlag: ERROR_FLAG[kind],
    base: env.device("dma"),
    name,
  };
}

/** The built-in boards with a `dma` role and its controller, e.g. "DMA2 of the stm32f407, ..." (for the check of a board without one). */
function dmaBoards(): string {
  return BOARDS.filter((b) => b.roles.dma !== undefined)
    .map((b) => `${b.roles.dma} of the ${b.name}`)
    .join(", ");
}

/** The first RAM region of the board its DMA reaches (the STM32F407's SRAM1, the H7's AXI SRAM, the U585's SRAM1), or null. */
export function dmaRegion(board: Board): string | null {
  if (board.roles.dma === undefined) return null;
  const ram = board.memory.find((r) => r.kind === "ram" && !r.readOnly && r.dmaReachable);
  return ram?.name ?? null;
}

/** The keeper's secret: bytes a C program would keep in a key buffer. */
export function secretBytes(): Uint8Array {
  return Uint8Array.from({ length: SECRET_BYTES }, (_, i) => (0x5a ^ (i * 29)) & 0xff);
}

/** What the tasks saw, for the checks (task state the checks read; the bytes themselves are in simulated memory). */
interface Seen {
  /** The keeper's vault (its heap block), 0 until it is written. */
  vault: number;
  /** The rogue's copy of the vault, 0 until made. */
  loot: number;
  /** What the rogue read from its copy after the transfer (through its own checked loads). */
  leaked: Uint8Array | null;
  /** The key's first 16 bytes as the keeper read them when it found them changed. */
  found: Uint8Array | null;
  /** End flags of the rogue's transfers (LISR's, CxSR's): the key out, 0xEE in, its MPU record out and back. */
  rogueFlags: number[];
  /** The word the rogue read at its TCB's id field with its own load after rewriting its MPU record, or null. */
  escalated: number | null;
  /** When the keeper found its vault changed, in ms, or null. */
  tamperedAtMs: number | null;
  /** The driver's dma-copy results: its own buffers, then the keeper's vault. */
  driver: number[];
  /** Whether the driver's own copy moved the exact bytes. */
  driverBytesOk: boolean;
  /** `local`'s dma-copy result from its stack. */
  local: number | null;
  /** `sloppy`'s destination buffer (freed while the DMA writes it), 0 until freed. */
  sloppyDst: number;
}

/**
 * Polls the controller's status until the transfer is over (as a driver polling DMA2's
 * TCIF0/TEIF0 in LISR, GPDMA1's TCF/DTEF/USEF in C0SR), clears the flags, returns them.
 */
function waitTransfer(t: TaskContext, dma: DmaHandle): number {
  let flags = 0;
  while (flags === 0) {
    flags = dma.driver.flags(t, dma.base);
    if (flags === 0) t.compute(20); // the polling loop's branch and compare
  }
  dma.driver.clear(t, dma.base, flags);
  return flags;
}

/**
 * Programs the controller for `words` words from `src` to `dst` and enables it, with the task's
 * own stores (DMA2 stream 0: RM0090 "Stream configuration procedure"; GPDMA1 channel 0: RM0456,
 * direct programming without a linked list).
 */
function startTransfer(t: TaskContext, dma: DmaHandle, src: number, dst: number, words: number): void {
  dma.driver.start(t, dma.base, { src, dst, bytes: 4 * words, size: 2 });
}

/** Whether end flags are a completed transfer's (the done flag alone). */
const completed = (dma: DmaHandle, flags: number | undefined): boolean => flags === dma.driver.doneFlag;
/** Whether end flags are a failed transfer's (an error flag, not the done flag). */
const failed = (dma: DmaHandle, flags: number | undefined): boolean =>
  flags !== undefined && (flags & dma.driver.errorFlags) !== 0 && (flags & dma.driver.doneFlag) === 0;

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
/** A syscall result by its `Errno` name ("not called" before the task made the call). */
const errno = (code: number | null | undefined): string =>
  code == null ? "not called" : (Object.entries(Errno).find(([, v]) => v === code)?.[0] ?? String(code));

/** The keeper: its secret in its heap, checked every millisecond. */
function keeper(env: AppEnv, seen: Seen, region: string): TaskSpec {
  const uart = env.device("uart");
  return {
    name: "keeper",
    priority: 3,
    region,
    devices: ["uart"],
    *main(t) {
      const secret = secretBytes();
      const vault = yield* t.malloc(SECRET_BYTES);
      t.writeBytes(vault, secret);
      seen.vault = vault;
      uartWrite(t, uart, `keeper: a ${SECRET_BYTES}-byte key in its heap at 0x${vault.toString(16)}\n`);
      for (let ms = 1; seen.tamperedAtMs === null; ms++) {
        yield* sleepUntil(t, ms);
        const now = t.readBytes(vault, SECRET_BYTES);
        const at = now.findIndex((b, i) => b !== secret[i]);
        if (at >= 0) {
          seen.tamperedAtMs = (yield* t.info()).now;
          seen.found = now.subarray(0, 16);
          uartWrite(t, uart, `keeper: its key changed at byte ${at}, and no task wrote it\n`);
        }
      }
      yield* t.free(vault);
    },
  };
}

/** `intruder`: not granted the DMA, it tries to program it anyway; the MPU stops its first register write. */
function intruder(env: AppEnv, seen: Seen): TaskSpec {
  const dma = dmaHandle(env);
  return {
    name: "intruder",
    priority: 1,
    *main(t) {
      yield* sleepUntil(t, AT_MS.intruder);
      // MemManage at its first store: the DMA's registers are privileged-only unless granted
      startTransfer(t, dma, seen.vault, 0, SECRET_BYTES / 4);
    },
  };
}

/** The rogue: granted the DMA's registers by a careless configuration, it reads and rewrites the keeper's key. */
function rogue(env: AppEnv, seen: Seen, region: string): TaskSpec {
  const uart = env.device("uart");
  const dma = dmaHandle(env);
  return {
    name: "rogue",
    priority: 2,
    region,
    devices: ["uart", "dma"],
    *main(t) {
      yield* sleepUntil(t, AT_MS.rogue);
      const loot = yield* t.malloc(SECRET_BYTES);
      seen.loot = loot;
      startTransfer(t, dma, seen.vault, loot, SECRET_BYTES / 4); // the MPU never sees the DMA's reads
      seen.rogueFlags.push(waitTransfer(t, dma));
      seen.leaked = t.readBytes(loot, SECRET_BYTES);
      uartWrite(t, uart, `rogue: the keeper's key, read by ${dma.name}: ${hex(seen.leaked.subarray(0, 8))}...\n`);
      t.fill(loot, 0xee, 16);
      startTransfer(t, dma, loot, seen.vault, 4); // and written back over it
      seen.rogueFlags.push(waitTransfer(t, dma));
      yield* t.free(loot);
      // The MPU itself: the kernel keeps the rogue's MPU record in its TCB (TcbField.MPU), in
      // memory the DMA reaches. Read out, the kernel block's region (the last region's RASR on
      // PMSAv7, its RBAR on PMSAv8) made full access, and written back.
      const { id, tcb } = env.task("rogue");
      const { words, at, mask, full } = kernelRegionAccess(env.board);
      const copy = yield* t.malloc(4 * words);
      startTransfer(t, dma, tcb + TcbField.MPU, copy, words);
      const out = waitTransfer(t, dma);
      seen.rogueFlags.push(out);
      if (!completed(dma, out)) {
        // The kernel's block lies where the DMA does not reach (the H7's DTCM): the record is safe.
        yield* t.free(copy);
        return;
      }
      const ap = copy + 4 * at;
      t.write32(ap, (t.read32(ap) & ~mask) | full);
      startTransfer(t, dma, copy, tcb + TcbField.MPU, words);
      seen.rogueFlags.push(waitTransfer(t, dma));
      yield* t.free(copy);
      // The keeper runs at 2 ms first (its plan loaded); the switch back to the rogue loads the record it wrote.
      yield* sleepUntil(t, AT_MS.escalated);
      seen.escalated = t.read32(tcb + TcbField.ID); // its own load of the kernel's memory
      uartWrite(
        t,
        uart,
        `rogue: its own TCB's id word, read with its own load: ${seen.escalated} (it is task ${id})\n`,
      );
    },
  };
}

/** The driver: copies through the kernel's dma-copy, which checks both buffers against its own view first. */
function driver(env: AppEnv, seen: Seen, region: string): TaskSpec {
  const uart = env.device("uart");
  return {
    name: "driver",
    priority: 1,
    region,
    devices: ["uart"],
    *main(t) {
      yield* sleepUntil(t, AT_MS.driver);
      const src = yield* t.malloc(SECRET_BYTES);
      const dst = yield* t.malloc(SECRET_BYTES);
      const frame = Uint8Array.from({ length: SECRET_BYTES }, (_, i) => i);
      t.writeBytes(src, frame);
      seen.driver.push(yield* t.dmaCopy(dst, src, SECRET_BYTES));
      seen.driverBytesOk = t.readBytes(dst, SECRET_BYTES).every((b, i) => b === frame[i]);
      seen.driver.push(yield* t.dmaCopy(dst, seen.vault, SECRET_BYTES)); // not its memory: refused
      uartWrite(t, uart, `driver: dma-copy of its own buffers ${seen.driver.map(errno).join(", the keeper's key ")}\n`);
      yield* t.free(dst);
      yield* t.free(src);
    },
  };
}

/** `local`: left where the kernel puts tasks first (the STM32F407's CCM, the H7's DTCM), it asks for a DMA from its stack. */
function local(env: AppEnv, seen: Seen): TaskSpec {
  const uart = env.device("uart");
  return {
    name: "local",
    priority: 1,
    devices: ["uart"],
    *main(t) {
      yield* sleepUntil(t, AT_MS.local);
      const dst = yield* t.malloc(32);
      const buf = t.push(32); // uint8_t line[32] on its stack
      t.fill(buf, 0x20, 32);
      seen.local = yield* t.dmaCopy(dst, buf, 32);
      t.pop(32);
      uartWrite(t, uart, `local: dma-copy from its stack at 0x${buf.toString(16)}: ${errno(seen.local)}\n`);
      yield* t.free(dst);
    },
  };
}

/** `sloppy`: a driver granted the DMA frees its destination before the transfer into it completes. */
function sloppy(env: AppEnv, seen: Seen, region: string): TaskSpec {
  const uart = env.device("uart");
  const dma = dmaHandle(env);
  return {
    name: "sloppy",
    priority: 1,
    region,
    devices: ["uart", "dma"],
    *main(t) {
      yield* sleepUntil(t, AT_MS.sloppy);
      const src = yield* t.malloc(SLOPPY_BYTES);
      const dst = yield* t.malloc(SLOPPY_BYTES);
      t.writeBytes(src, sloppyFrame());
      startTransfer(t, dma, src, dst, SLOPPY_BYTES / 4); // 256 words: 512 cycles SRAM to SRAM
      yield* t.free(dst); // the bug: the DMA still writes into it
      seen.sloppyDst = dst;
      uartWrite(t, uart, `sloppy: freed 0x${dst.toString(16)} while ${dma.name} still writes it\n`);
      t.compute(4 * SLOPPY_BYTES); // other work meanwhile: the rest of the transfer lands in the free block
      waitTransfer(t, dma);
      yield* t.free(src);
      uartWrite(t, uart, "sloppy: done\n");
    },
  };
}

/** What `sloppy` receives: 64 lines of "RX frame nn ok.\n" (16 bytes each). */
export function sloppyFrame(): Uint8Array {
  let text = "";
  for (let i = 0; i < SLOPPY_BYTES / 16; i++) text += `RX frame ${String(i).padStart(2, "0")} ok.\n`;
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** What each run's tasks saw, by the run's environment (read by its checks). */
const runs = new WeakMap<AppEnv, Seen>();

/** The tasks: all six on a board with a DMA the simulator models; none elsewhere. */
function dmaTasks(env: AppEnv): TaskSpec[] {
  const seen: Seen = {
    vault: 0,
    loot: 0,
    leaked: null,
    found: null,
    rogueFlags: [],
    escalated: null,
    tamperedAtMs: null,
    driver: [],
    driverBytesOk: false,
    local: null,
    sloppyDst: 0,
  };
  runs.set(env, seen);
  const region = dmaRegion(env.board);
  if (region === null) return [];
  return [
    keeper(env, seen, region),
    intruder(env, seen),
    rogue(env, seen, region),
    driver(env, seen, region),
    local(env, seen),
    sloppy(env, seen, region),
  ];
}

/**
 * Whether a fault is `intruder`'s: MemManage at its first write to the DMA's registers, which it
 * was not granted (on ARMv6-M, the RP2040, a HardFault the simulator classifies as MemManage).
 */
function isIntruderStopped(f: FaultRecord): boolean {
  return f.task === "intruder" && (f.kind === "memmanage" || (f.kind === "hardfault" && f.hw?.cause === "MemManage"));
}

/** Whether a fault is `sloppy`'s heap found corrupt, the DMA's bytes over a free block's links (the checker off). */
function isSloppyCorruption(f: FaultRecord): boolean {
  return f.task === "sloppy" && f.kind === "heap" && f.message.startsWith("HEAP_CORRUPTION");
}

/** Whether a checker report is the DMA's write into `sloppy`'s freed buffer. */
function isDmaAfterFree(r: { kind: string; mode: string }): boolean {
  return r.kind === "use-after-free" && r.mode === "dma";
}

/** One check per scenario, from simulated memory, the kernel's fault records and the checker's reports. */
export function dmaChecks(kernel: Kernel, env: AppEnv): AppCheck[] {
  const seen = runs.get(env);
  const region = dmaRegion(env.board);
  if (seen === undefined || region === null) {
    return [
      {
        name: "dma",
        ok: true,
        detail: `${env.board.name} has no DMA the simulator models (the dma role: ${dmaBoards()}); nothing to run`,
      },
    ];
  }
  const secret = secretBytes();
  const faultsOf = (task: string) => kernel.faults.filter((f) => f.task === task);
  const checks: AppCheck[] = [];
  const add = (task: string, dueMs: number, what: string, judge: () => Omit<AppCheck, "name">) =>
    checks.push({ ...(notReached(kernel, task, what, dueMs) ?? judge()), name: what });

  const dma = dmaHandle(env);
  add("intruder", AT_MS.intruder + 1, `intruder, not granted ${dma.name}, programs it`, () => {
    const f = faultsOf("intruder")[0];
    const at = kernel.device("dma").base + dma.driver.firstRegister;
    return {
      ok: f !== undefined && isIntruderStopped(f) && f.hw?.faultAddress === at && faultsOf("intruder").length === 1,
      detail: f
        ? `stopped at its first register write: ${
            // ARMv6-M: a HardFault, the class the simulator's (no register holds it).
            f.hw?.faultStatusRegisters === false ? `${f.hw.exception} (simulator: ${f.hw.cause})` : f.hw?.cause
          } ${f.hw?.cfsrNames.join("|")} at 0x${f.hw?.faultAddress?.toString(16)} (${dma.name}'s registers are privileged-only unless granted)`
        : `no fault: it reached ${dma.name}'s registers`,
    };
  });
  add("rogue", AT_MS.rogue + 1, "rogue reads the keeper's key by DMA", () => {
    const leaked = seen.leaked?.every((b, i) => b === secret[i]) === true;
    return {
      ok: leaked && completed(dma, seen.rogueFlags[0]) && faultsOf("rogue").length === 0,
      detail: leaked
        ? `all ${SECRET_BYTES} bytes of the key at 0x${seen.vault.toString(16)} copied into the rogue's heap at 0x${seen.loot.toString(16)}: the MPU checks only the core's accesses, and the rogue's regions do not include the key`
        : `the rogue's copy does not hold the key (flags ${seen.rogueFlags.join(", ")})`,
    };
  });
  add("keeper", AT_MS.rogue + 2, "rogue rewrites the key by DMA", () => {
    const rewritten = seen.found?.every((b) => b === 0xee) === true;
    return {
      ok: rewritten && seen.tamperedAtMs !== null && completed(dma, seen.rogueFlags[1]),
      detail: `the key's first 16 bytes ${rewritten ? "are the rogue's 0xEE" : "are not the rogue's"}; the keeper ${seen.tamperedAtMs === null ? "never noticed" : `noticed at ${seen.tamperedAtMs.toFixed(3)} ms`}, and the rogue took no MPU fault`,
    };
  });
  add("rogue", AT_MS.escalated + 1, "rogue rewrites its own MPU record by DMA", () => {
    const rogueTask = kernel.task("rogue");
    const region = env.board.mpuRegions - 1;
    const home = env.board.memory.find((r) => env.kernelBlock.base >= r.start && env.kernelBlock.base < r.end);
    const controller = kernel.devices.dma!;
    if (controller.kind === "rp2350-dma") return dmaMpuStops(kernel, env, dma, seen);
    if (home !== undefined && home.dmaReachable === false) {
      const safe = failed(dma, seen.rogueFlags[2]) && seen.escalated === null && faultsOf("rogue").length === 0;
      return {
        ok: safe,
        detail: safe
          ? `the kernel's block (its TCBs) lies in ${home.name}, which ${dma.name} does not reach: the rogue's read of its MPU record ended in ${dma.errorFlag}, and the record stayed the kernel's`
          : `the kernel's block is in ${home.name}, out of ${dma.name}'s reach, yet the rogue's read of its record ended in ${seen.rogueFlags[2]} (read ${seen.escalated})`,
      };
    }
    const ok =
      rogueTask !== undefined &&
      seen.escalated === rogueTask.id &&
      completed(dma, seen.rogueFlags[2]) &&
      completed(dma, seen.rogueFlags[3]) &&
      faultsOf("rogue").length === 0;
    return {
      ok,
      detail: ok
        ? `its TCB's MPU record at 0x${(rogueTask.tcb + TcbField.MPU).toString(16)}, read and written back by ${dma.name} with region ${region} (the kernel's block, privileged-only) made full access: the next switch to it loaded the record as written, and its own load of its TCB's id word read ${seen.escalated}, no MPU fault`
        : `no load of the kernel's memory by the rogue (read ${seen.escalated}, flags ${seen.rogueFlags.join(", ")}, ${faultsOf("rogue").length} fault(s))`,
    };
  });
  add("driver", AT_MS.driver + 1, "driver copies through the kernel's dma-copy", () => ({
    ok: seen.driver[0] === Errno.OK && seen.driverBytesOk && seen.driver[1] === Errno.EFAULT,
    detail: `its own buffers: ${errno(seen.driver[0])}${seen.driverBytesOk ? " (the exact bytes)" : ""}; from the keeper's key: ${errno(seen.driver[1])} (the kernel checks both buffers against the caller's MPU view)`,
  }));
  add("local", AT_MS.local + 1, "local asks for a DMA from its stack", () => {
    const home = kernel.regions.pageInfo(kernel.task("local")!.stack.base)?.region;
    if (env.board.memory.find((r) => r.name === home)?.dmaReachable !== false) {
      // The STM32U585: every SRAM is on GPDMA1's bus matrix, so the kernel's reach check passes.
      return {
        ok: seen.local === Errno.OK,
        detail: `dma-copy from a stack in ${home}: ${errno(seen.local)} (${dma.name} reaches every RAM of the ${env.board.name}: no memory is out of its reach here)`,
      };
    }
    return {
      ok: seen.local === Errno.ENXIO,
      detail: `dma-copy from a stack in ${home}: ${errno(seen.local)} (no DMA reaches it; tasks that DMA are placed in ${region})`,
    };
  });
  add("sloppy", AT_MS.sloppy + 1, "sloppy frees a buffer the DMA still writes", () => {
    const reports = (kernel.checker?.reports ?? []).filter((r) => r.mode === "dma");
    // past the first 16 bytes, which the allocator's free-block links may hold now
    const frame = sloppyFrame();
    const landed =
      seen.sloppyDst !== 0 &&
      kernel.machine.bus.peek(seen.sloppyDst + 16, SLOPPY_BYTES - 16).every((b, i) => b === frame[i + 16]);
    if (kernel.checker !== null) {
      const r = reports[0];
      return {
        ok: reports.length === 1 && r !== undefined && isDmaAfterFree(r) && r.address === seen.sloppyDst && landed,
        detail: r
          ? `the checker: ${r.kind} by the DMA at 0x${r.address.toString(16)}, ${r.size} bytes (${reports.length} report${reports.length === 1 ? "" : "s"})`
          : "the checker reported nothing",
      };
    }
    const f = faultsOf("sloppy")[0];
    return {
      ok: f !== undefined && isSloppyCorruption(f) && landed,
      detail: f
        ? `without the checker the DMA's bytes landed over the free block's links: ${f.message}`
        : "no fault: the corruption went unseen",
    };
  });
  return checks;
}

/**
 * The rogue's rewrite of its MPU record judged on the RP2350: the kernel marked its block
 * Secure-Privileged in the DMA's MPU and lowered channel 0 to Secure-Unprivileged at boot, so the
 * channel's first read of the record (in the kernel's block) is refused: READ_ERROR and nothing
 * else, SECCFG_CH0 = S | LOCK (0x6: the rogue's programming locked it), the record's kernel region
 * unchanged, no load of the kernel's memory, no fault.
 */
function dmaMpuStops(kernel: Kernel, env: AppEnv, dma: DmaHandle, seen: Seen): Omit<AppCheck, "name"> {
  const rogueTask = kernel.task("rogue");
  const { at, mask } = kernelRegionAccess(env.board);
  const word = (address: number) => {
    const b = kernel.machine.bus.peek(address, 4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  };
  const ap = rogueTask === undefined ? -1 : (word(rogueTask.tcb + TcbField.MPU + 4 * at) & mask) >>> 0;
  const seccfg = kernel.devices.dma!.read(Rp2350DmaReg.SECCFG_CH0, 4);
  const readError = Rp2350DmaCtrl.READ_ERROR >>> 0;
  const ok =
    seen.rogueFlags[2] === readError &&
    seen.rogueFlags.length === 3 &&
    seen.escalated === null &&
    ap === 0 &&
    seccfg === (Rp2350Seccfg.S | Rp2350Seccfg.LOCK) &&
    kernel.faults.filter((f) => f.task === "rogue").length === 0;
  return {
    ok,
    detail: ok
      ? `${dma.name}'s MPU holds the kernel's block Secure-Privileged and channel 0 is Secure-Unprivileged (SECCFG_CH0 0x${seccfg.toString(16)}): the channel's read of the rogue's MPU record ended in READ_ERROR (CTRL 0x${readError.toString(16)}), the record's kernel region stayed privileged-only (AP 0), and the rogue never loaded the kernel's memory`
      : `the rogue's read of its record ended in flags ${seen.rogueFlags.slice(2).join(", ")} (SECCFG_CH0 0x${seccfg.toString(16)}, AP ${ap}, read ${seen.escalated})`,
  };
}

/**
 * `dma`: what the MPU does not see. On a board with a DMA controller the simulator models (DMA2
 * of the STM32F407 and STM32H743/H750, RM0090's streams; GPDMA1 of the STM32U585, RM0456's
 * channels; the RP2040's and the RP2350's DMA, their datasheets' channel 0; each programmed
 * through the driver of the device's kind, {@link DMA_DRIVERS}),
 * `intruder`, not granted the DMA, is stopped at its first register write (MemManage); `rogue`,
 * granted the DMA's registers by a careless configuration, reads the `keeper`'s key and writes
 * over it without a single MPU fault, then rewrites its own MPU record in its TCB (where the
 * kernel's block is in the DMA's reach; PMSAv7's RASR.AP or PMSAv8's RBAR.AP of the kernel's
 * region) and reads the kernel's memory with its own loads (on the RP2350 the DMA's own MPU,
 * which the kernel programmed at boot to hold its block privileged, refuses the channel's read:
 * READ_ERROR); `driver` copies through the kernel's
 * `dma-copy`, which checks both buffers against the caller's own view and refuses the key
 * (EFAULT); `local`, whose stack lies in the core-coupled memory no DMA reaches, gets ENXIO (on
 * the STM32U585, whose SRAMs the GPDMA all reaches, OK); `sloppy` frees a buffer while a transfer
 * into it still runs: the checker reports the DMA's write as a use after free, and without it the
 * heap is found corrupt at its next free.
 */
export const dma: AppDescription = defineApp({
  name: "dma",
  description:
    "the bus master the MPU does not see: a task granted the DMA controller (DMA2, the STM32U585's GPDMA1, the RP2040's DMA) reads and rewrites another's key and its own MPU record, the kernel's checked dma-copy, memory out of the DMA's reach (the F4's CCM), a buffer freed mid-transfer",
  board: "stm32f407",
  durationMs: 6,
  memcheck: true,
  tasks: dmaTasks,
  check: dmaChecks,
  expectFault: (f) => isIntruderStopped(f) || isSloppyCorruption(f),
  expectReport: isDmaAfterFree,
});
