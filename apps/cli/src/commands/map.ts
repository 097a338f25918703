import { basename, resolve } from "node:path";
import { boardInfo, bootPageMaps, formatBytes, formatHz, hex32, type ManagedRegion } from "@rtos-sim/apps";
import {
  BIT_BAND_ALIAS_BYTES,
  BIT_BAND_REGION_BYTES,
  BIT_BAND_WINDOWS,
  type Board,
  boardFromLinkerScript,
  createMachine,
  defaultMapRange,
} from "@rtos-sim/hw";
import type { CommandSpec } from "../cli/command.js";
import { ExitCode } from "../cli/exit-codes.js";
import type { Style } from "../cli/io.js";
import { renderTable } from "../cli/table.js";
import { parseInteger } from "../cli/values.js";
import { lookUpAddress, renderAddressLookup } from "./map-address.js";
import { type MapMpu, mapMpu, renderMapMpu } from "./map-mpu.js";
import { boardOrThrow, JSON_OPTION, jsonText, parseInputFile, totalOf } from "./shared.js";

function defaultMap(address: number): string {
  const r = defaultMapRange(address);
  const type = r.type === "normal" ? "Normal" : r.type === "device" ? "Device" : "Strongly-ordered";
  return `${r.name}, ${type}${r.xn ? ", XN" : ""}`;
}

/**
 * Initial contents as the core reads them: little-endian 32-bit words (16 bits for a halfword,
 * bytes otherwise), at most 4 words and then "...".
 */
export function contentsValue(bytes: readonly number[]): string {
  const n = bytes.length;
  const word = (i: number) => (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
  if (n === 2)
    return `0x${(bytes[0]! | (bytes[1]! << 8)).toString(16).padStart(4, "0")} (${bytes[0]! | (bytes[1]! << 8)})`;
  if (n % 4 !== 0)
    return (
      bytes
        .slice(0, 16)
        .map((b) => b.toString(16).padStart(2, "0"))
        .join(" ") + (n > 16 ? " ..." : "")
    );
  const words: string[] = [];
  for (let i = 0; i < Math.min(n, 16); i += 4) words.push(hex32(word(i)));
  return words.join(" ") + (n > 16 ? " ..." : "");
}

function loadLinkerBoard(base: Board, path: string, cwd: string): Board {
  return parseInputFile(path, `--linker-script ${path}`, "map", cwd, (text, file) =>
    boardFromLinkerScript(text, { name: `${base.name}+${basename(file)}`, base }),
  );
}

function renderMap(
  board: Board,
  style: Style,
  mpu: MapMpu,
  pageMaps: readonly ManagedRegion[] | null,
  order: number,
): string {
  // A board without a description has its name as one (defineBoard): not shown twice.
  let out =
    board.description === board.name
      ? `${style.bold(board.name)}\n`
      : `${style.bold(board.name)}: ${board.description}\n`;
  out += `${board.core}, ${formatHz(board.clockHz)}, ${mpu.name} MPU with ${board.mpuRegions} regions, ${formatBytes(
    totalOf(board, "ram"),
  )} RAM, ${formatBytes(totalOf(board, "flash"))} flash\n\n`;
  // The DMA column only where the kernel models the board's DMA (its `dma` role).
  const dma = board.roles.dma !== undefined;
  out += `${style.bold("Memory")} (end = last byte; access r/w/x as the bus allows it${dma ? `; dma: whether ${board.roles.dma} reaches it` : ""})\n`;
  out += renderTable(
    [
      { header: "region" },
      { header: "start" },
      { header: "end" },
      { header: "size", align: "right" },
      { header: "kind" },
      { header: "access" },
      { header: "wait", align: "right" },
      ...(dma ? [{ header: "dma" }] : []),
      { header: "default memory map" },
    ],
    board.memory.map((m) => [
      m.name,
      hex32(m.start),
      hex32(m.end - 1),
      formatBytes(m.size),
      m.kind,
      `r${m.readOnly ? "-" : "w"}${m.executable ? "x" : "-"}`,
      String(m.waitStates),
      ...(dma ? [m.dmaReachable ? "yes" : "no"] : []),
      defaultMap(m.start),
    ]),
  );
  if (board.contents.length > 0) {
    out += `\n${style.bold("Contents")} (factory-programmed bytes of read-only memory, loaded when the machine is built)\n`;
    out += renderTable(
      [
        { header: "name" },
        { header: "start" },
        { header: "end" },
        { header: "size", align: "right" },
        { header: "in" },
        { header: "value" },
        { header: "what" },
      ],
      board.contents.map((c) => [
        c.name,
        hex32(c.address),
        hex32(c.end - 1),
        formatBytes(c.bytes.length),
        c.region,
        contentsValue(c.bytes),
        c.description,
      ]),
    );
  }
  if (board.peripherals.length > 0) {
    out += `\n${style.bold("Peripherals")} (reads of registers with no device attached return 0)\n`;
    out += renderTable(
      [
        { header: "range" },
        { header: "start" },
        { header: "end" },
        { header: "size", align: "right" },
        { header: "default memory map" },
      ],
      board.peripherals.map((p) => [
        p.name,
        hex32(p.start),
        hex32(p.start + p.size - 1),
        formatBytes(p.size),
        defaultMap(p.start),
      ]),
    );
  }
  if (board.bitBand) {
    out += `\n${style.bold("Bit-band")} (each word of an alias stands for one bit of its region; the MPU checks the alias address)\n`;
    out += renderTable(
      [{ header: "region" }, { header: "bits of" }, { header: "alias" }],
      BIT_BAND_WINDOWS.map((w) => [
        w.name,
        `${hex32(w.region)}-${hex32(w.region + BIT_BAND_REGION_BYTES - 1)}`,
        `${hex32(w.alias)}-${hex32(w.alias + BIT_BAND_ALIAS_BYTES - 1)}`,
      ]),
    );
  }
  const devices = Object.entries(board.devices);
  if (devices.length > 0) {
    out += `\n${style.bold("Devices")}\n`;
    out += renderTable(
      [{ header: "device" }, { header: "address" }],
      devices.map(([n, a]) => [n, hex32(a)]),
    );
  }
  out += `\n${renderMapMpu(mpu, style)}`;
  if (pageMaps) {
    out += `\n${style.bold("Page maps")} (region manager, page order ${order} = ${formatBytes(2 ** order)} pages)\n`;
    for (const r of pageMaps) {
      if (r.ok) {
        out += `\n${r.text}`;
        out += `  ${r.info.pages} pages, ${r.info.metadataPages} of metadata (${formatBytes(r.info.metadataBytes)} used), allocator ${r.info.allocator}\n`;
      } else {
        out += `\n${r.name}: not managed at page order ${order}: ${r.reason}\n`;
      }
    }
  }
  return out;
}

/** `rtos-sim map <board>`: a board's memory map (and the region manager's page maps). */
export const mapCommand: CommandSpec = {
  name: "map",
  summary: "show a board's memory map: regions, peripherals, devices, page maps",
  usage: "map <board> [--linker-script FILE] [--page-order N] [--address A] [--json]",
  description: [
    "Prints the memory regions of a built-in board or a board .json file (start, end, size, kind,",
    "bus access, wait states and where each falls in the default memory map), its peripheral",
    "ranges and named devices, the factory-programmed contents of its read-only memory (an STM32's",
    "unique device ID and flash size), and its MPU: the architecture (PMSAv7 or PMSAv8), the region",
    "count, and the kernel's own regions as its MPU driver lays them out, decoded from their registers",
    "(PMSAv7 RBAR/RASR; PMSAv8 RBAR/RLAR and the MAIR attribute each selects).",
    "",
    "--linker-script replaces the board's memory with the MEMORY block of a GNU ld linker script",
    "(ORIGIN/LENGTH, K/M suffixes, (rx)/(xrw) attributes); the board keeps its peripherals and core.",
    "",
    "--page-order boots the region manager on every writable region with pages of 2^N bytes and",
    "shows each region's page map: metadata pages (#) carved out of the region, free pages (.).",
    "",
    "--address prints only what lies at one address (an MMFAR or BFAR value, a pointer): the",
    "memory region, peripheral or system register there and what an access does, or that nothing",
    "is mapped (a BusFault), and the default memory map's attributes.",
  ],
  minPositionals: 1,
  maxPositionals: 1,
  options: {
    "linker-script": {
      type: "string",
      value: "FILE",
      description: "take the memory regions from a linker script's MEMORY block",
    },
    "page-order": {
      type: "string",
      value: "N",
      description: "show the region manager's page maps with 2^N-byte pages (5..16)",
    },
    address: {
      type: "string",
      value: "A",
      description: "print only what lies at address A (decimal or 0x hex)",
    },
    json: JSON_OPTION,
  },
  examples: [
    "rtos-sim map stm32f407",
    "rtos-sim map stm32h743 --page-order 12",
    "rtos-sim map stm32f407 --linker-script STM32F407VGTX_FLASH.ld",
    "rtos-sim map mps2-an386 --json",
    "rtos-sim map stm32u585",
    "rtos-sim map stm32f407 --address 0x10000000",
    "rtos-sim map stm32f407 --address 0x1FFF7A10",
  ],
  run({ io, values, positionals, style }) {
    let board = boardOrThrow(positionals[0]!, "map", io.cwd);
    const script = values["linker-script"];
    if (typeof script === "string") board = loadLinkerBoard(board, script, io.cwd);
    if (typeof values.address === "string") {
      const lookup = lookUpAddress(board, parseInteger(values.address, "--address", 0, 0xffffffff, "map"));
      io.out(values.json ? jsonText({ board: board.name, ...lookup }) : renderAddressLookup(board, lookup));
      return ExitCode.Ok;
    }
    const orderText = values["page-order"];
    const order = typeof orderText === "string" ? parseInteger(orderText, "--page-order", 5, 16, "map") : null;
    const pageMaps = order === null ? null : bootPageMaps(createMachine(board), order);
    const mpu = mapMpu(board);
    if (values.json) {
      io.out(
        jsonText({
          board: { ...boardInfo(board), devices: board.devices, bitBand: board.bitBand, contents: board.contents },
          linkerScript: typeof script === "string" ? resolve(io.cwd, script) : null,
          mpu,
          pageOrder: order,
          pageMaps:
            pageMaps === null
              ? null
              : pageMaps.map((r) => (r.ok ? { ...r.map, text: r.text } : { region: r.name, error: r.reason })),
        }),
      );
      return ExitCode.Ok;
    }
    io.out(renderMap(board, style, mpu, pageMaps, order ?? 0));
    return ExitCode.Ok;
  },
};
