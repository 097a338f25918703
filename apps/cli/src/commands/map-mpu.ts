import { hex32, kernelMpuRegions, MPU_REGION_TABLES, type MpuRegionInfo, mairName } from "@rtos-sim/apps";
import {
  type Board,
  createMachine,
  decodeMairAttr,
  MpuReg,
  MpuV8Reg,
  PMSAV8_ATTR_INDEX,
  pmsaName,
  SimError,
} from "@rtos-sim/hw";
import { bootKernel } from "@rtos-sim/kernel";
import type { Style } from "../cli/io.js";
import { mpuTable } from "../output/human.js";

/** A board's MPU as `rtos-sim map` shows it: the architecture, and the kernel's own regions decoded. */
export interface MapMpu {
  readonly architecture: Board["mpuArchitecture"];
  /** "PMSAv6" (ARMv6-M), "PMSAv7" or "PMSAv8". */
  readonly name: string;
  /** Regions the MPU has (MPU_TYPE.DREGION). */
  readonly regionCount: number;
  /** MPU_TYPE as read at reset. */
  readonly mpuType: number;
  /** What happens where regions overlap, and outside every region. */
  readonly rule: string;
  /** PMSAv8: MPU_MAIR0 and MPU_MAIR1 as the kernel's MPU driver programs them; null on PMSAv7. */
  readonly mair: readonly [number, number] | null;
  /** The kernel's own regions (code, kernel data), the highest-numbered of every task's configuration; null when the kernel does not boot on the board. */
  readonly kernelRegions: readonly MpuRegionInfo[] | null;
  /** Why the kernel does not boot on the board, or null. */
  readonly kernelError: string | null;
}

/**
 * Reads a board's MPU: MPU_TYPE from a machine at reset, and the kernel's regions from a kernel
 * booted on the board (its MPU driver lays them out as in every task's configuration; on PMSAv8
 * the driver's MAIR0/1 too). A board the kernel cannot boot on keeps the architecture and
 * reports why.
 */
export function mapMpu(board: Board): MapMpu {
  const table = MPU_REGION_TABLES[board.mpuArchitecture];
  const base = {
    architecture: board.mpuArchitecture,
    name: pmsaName(board.core),
    regionCount: board.mpuRegions,
    mpuType: createMachine(board).core.read32(MpuReg.TYPE),
    rule: table.rule,
  };
  try {
    const kernel = bootKernel({ board, memcheck: false });
    const { mpu } = kernel.machine;
    const mair = mpu.architecture === "pmsav8" ? readMair((i) => mpu.attr(i)) : null;
    return { ...base, mair, kernelRegions: kernelMpuRegions(kernel), kernelError: null };
  } catch (e) {
    if (!(e instanceof SimError)) throw e;
    return { ...base, mair: null, kernelRegions: null, kernelError: e.message };
  }
}

/** MAIR0 and MAIR1 from the eight attribute bytes. */
function readMair(attr: (index: number) => number): [number, number] {
  const word = (first: number) => [0, 1, 2, 3].reduce((w, i) => w | (attr(first + i) << (8 * i)), 0) >>> 0;
  return [word(0), word(4)];
}

/** The attributes of the MPU driver's MAIR table, decoded: "Attr0 Normal WB, Attr1 Device-nGnRE, ...". */
function mairTable(mair: readonly [number, number]): string {
  const used = [...new Set(Object.values(PMSAV8_ATTR_INDEX))].sort((a, b) => a - b);
  return used
    .map((i) => {
      const attr = (mair[i >>> 2]! >>> (8 * (i & 3))) & 0xff;
      return `Attr${i} ${mairName(attr, decodeMairAttr(attr).device)}`;
    })
    .join(", ");
}

/** The MPU section of `rtos-sim map`. */
export function renderMapMpu(m: MapMpu, style: Style): string {
  let out = `${style.bold("MPU")}: ${m.name}, ${m.regionCount} regions (MPU_TYPE ${hex32(m.mpuType)}); ${m.rule}\n`;
  if (m.mair) {
    out += `MAIR0 ${hex32(m.mair[0])}  MAIR1 ${hex32(m.mair[1])}  (${mairTable(m.mair)}; registers ${hex32(
      MpuV8Reg.MAIR0,
    )}, ${hex32(MpuV8Reg.MAIR1)})\n`;
  }
  if (m.kernelRegions) {
    out += "The kernel's regions, the highest-numbered in every task's configuration:\n";
    out += mpuTable(m.kernelRegions);
  } else {
    out += `The kernel does not boot on this board: ${m.kernelError}\n`;
  }
  return out;
}
