import { formatBytes, hex32 } from "@rtos-sim/apps";
import {
  BIT_BAND_ALIAS_BYTES,
  BIT_BAND_WINDOWS,
  type Board,
  bitBandBit,
  bitBandByte,
  CORE_PROFILES,
  defaultMapRange,
  isBitBandAlias,
  MpuReg,
  MpuV8Reg,
  ScbReg,
  SimError,
  SysTickReg,
  scbRegisterAbsent,
} from "@rtos-sim/hw";
import { bootKernel } from "@rtos-sim/kernel";

/** What lies at one address of a board: where it falls, and what an access there does. */
export interface AddressLookup {
  /** The address looked up. */
  readonly address: number;
  /**
   * `memory`, `peripheral` (a peripheral range; `device` names the kernel's device whose registers
   * hold the address, if any), `system` (the PPB), `bit-band` (an alias window of a board with
   * bit-banding), or `unmapped`.
   */
  readonly kind: "memory" | "peripheral" | "system" | "bit-band" | "unmapped";
  /** The memory region's, peripheral range's, system register's or alias window's name (null: unmapped). */
  readonly name: string | null;
  /** The address's offset in it (null: unmapped). */
  readonly offset: number | null;
  /**
   * In a peripheral range: the device the kernel attaches whose register block holds the address
   * (its board name, base, kernel role and block size), or null when no modelled device does.
   */
  readonly device?: DeviceSpan | null;
  /** The name of the board's initial contents holding the address (`"UID"`), when memory holds some there. */
  readonly contents?: string | null;
  /** The default memory map's range there, its memory type and XN (what the MPU's background gives). */
  readonly defaultMap: { readonly name: string; readonly type: string; readonly xn: boolean };
  /** What happens on an access, as lines for people. */
  readonly notes: readonly string[];
}

/** A device the kernel attaches on a board: where its register block lies, and its role. */
export interface DeviceSpan {
  /** The board's name for it, e.g. "USART2". */
  readonly name: string;
  /** Its base address. */
  readonly base: number;
  /** Bytes of its register block (an offset with no register in it reads 0, writes are ignored). */
  readonly size: number;
  /** The kernel's role for it, e.g. "uart". */
  readonly role: string;
}

/**
 * The devices the kernel attaches on `board` (its roles' devices, as a boot places them), or none
 * when the kernel does not boot there (a board from a linker script without roles): the other
 * names of `board.devices` are addresses only, with no model behind them.
 */
function deviceSpans(board: Board): DeviceSpan[] {
  try {
    const { devices } = bootKernel({ board, memcheck: false });
    return devices.placements.map((p) => ({ name: p.name, base: p.base, size: devices[p.role]!.size, role: p.role }));
  } catch (e) {
    if (e instanceof SimError) return [];
    throw e;
  }
}

/**
 * The system registers named at their addresses (SCB, MPU, SysTick), by architecture: an ARMv6-M
 * core has neither the SCB's fault registers (SHPR1, SHCSR, CFSR...) nor the MPU's alias
 * registers, so their addresses are not named there (see {@link armv6mReserved}).
 */
function systemRegisters(board: Board): ReadonlyMap<number, string> {
  const profile = CORE_PROFILES[board.core];
  const out = new Map<number, string>();
  for (const [name, at] of Object.entries(ScbReg)) if (!scbRegisterAbsent(profile, at)) out.set(at, name);
  for (const [name, at] of Object.entries(SysTickReg)) out.set(at, `SYST_${name}`);
  const mpu = board.mpuArchitecture === "pmsav8" ? MpuV8Reg : MpuReg;
  for (const [name, at] of Object.entries(mpu)) {
    if (!profile.mpuAliases && board.mpuArchitecture !== "pmsav8" && at > MpuReg.RASR) continue;
    out.set(at, `MPU_${name}`);
  }
  return out;
}

/**
 * The ARMv7-M register at a PPB word an ARMv6-M core leaves reserved (an SCB fault register, an
 * MPU alias register), or undefined: the model reads such a word as zero and ignores writes.
 */
function armv6mReserved(board: Board, word: number): string | undefined {
  const profile = CORE_PROFILES[board.core];
  if (profile.configurableFaults) return undefined;
  const scb = Object.entries(ScbReg).find(([, at]) => at === word && scbRegisterAbsent(profile, at));
  if (scb !== undefined) return scb[0];
  if (profile.mpuAliases || board.mpuArchitecture === "pmsav8") return undefined;
  const alias = Object.entries(MpuReg).find(([, at]) => at === word && at > MpuReg.RASR);
  return alias === undefined ? undefined : `MPU_${alias[0]}`;
}

/**
 * What lies at `address` on `board`: the memory region or peripheral range that holds it (with
 * the device at that address, if the board names one), a system register of the PPB, or nothing
 * (an access there is a BusFault; a fetch where the default map is XN, a MemManage IACCVIOL); and
 * the default memory map's attributes, which apply where no MPU region matches and PRIVDEFENA lets
 * privileged code through. For MMFAR and BFAR values.
 */
export function lookUpAddress(board: Board, address: number): AddressLookup {
  const found = lookUp(board, address);
  if (CORE_PROFILES[board.core].configurableFaults) return found;
  // ARMv6-M: one fault exception and no fault status or address registers.
  return {
    ...found,
    notes: [
      ...found.notes,
      `${board.core} (ARMv6-M) has no MemManage, BusFault, CFSR, MMFAR or BFAR: each fault named here is a HardFault, the names are what an ARMv7-M core would record`,
    ],
  };
}

function lookUp(board: Board, address: number): AddressLookup {
  const a = address >>> 0;
  const r = defaultMapRange(a);
  const defaultMap = { name: r.name, type: r.type, xn: r.xn };
  const memory = board.memory.find((m) => a >= m.start && a < m.end);
  if (memory !== undefined) {
    const notes = [
      `${memory.kind}, ${memory.readOnly ? "read-only (a write is a BusFault, PRECISERR)" : "read/write"}, ${memory.executable ? "executable" : "not executable"}, ${memory.waitStates} wait state(s)`,
    ];
    if (board.roles.dma !== undefined) {
      notes.push(
        `${board.roles.dma} ${memory.dmaReachable ? "reaches it" : "cannot reach it (a transfer there is a transfer error)"}`,
      );
    }
    const held = (board.contents ?? []).find((c) => a >= c.address && a < c.end);
    if (held !== undefined) {
      notes.push(
        `${held.name}${a === held.address ? "" : ` + 0x${(a - held.address).toString(16)}`}: ${held.description} (${hex32(held.address)}-${hex32(held.end - 1)}, factory-programmed, loaded when the machine is built)`,
      );
    }
    return {
      address: a,
      kind: "memory",
      name: memory.name,
      offset: a - memory.start,
      contents: held?.name ?? null,
      defaultMap,
      notes,
    };
  }
  const peripheral = board.peripherals.find((p) => a >= p.start && a < p.start + p.size);
  if (peripheral !== undefined) {
    const device = deviceSpans(board).find((d) => a >= d.base && a < d.base + d.size) ?? null;
    const notes = [
      device === null
        ? `no device the simulator models here: reads return 0, writes are ignored${nearestBelow(board, a, peripheral.start)}`
        : `offset 0x${(a - device.base).toString(16)} in ${device.name} (at ${hex32(device.base)}, the kernel's ${device.role} device, ${formatBytes(device.size)} of registers: an offset with no register reads 0, writes are ignored)`,
      "Device memory, never executable (XN); with the MPU on, unprivileged code reaches it only through a region that grants it",
    ];
    return {
      address: a,
      kind: "peripheral",
      name: peripheral.name,
      offset: a - peripheral.start,
      device,
      defaultMap,
      notes,
    };
  }
  if (r.name === "PPB") {
    const word = (a & ~3) >>> 0;
    const named = systemRegisters(board).get(word);
    const reserved = armv6mReserved(board, word);
    const notes = [
      "Private Peripheral Bus: privileged access only (an unprivileged access is a BusFault, PRECISERR); the MPU does not apply",
      "never executable (XN): a fetch is a MemManage IACCVIOL",
    ];
    if (named === "STIR") notes.push("with CCR.USERSETMPEND set, unprivileged code may access STIR");
    if (reserved !== undefined)
      notes.push(
        `no register here on ${CORE_PROFILES[board.core].architecture} (ARMv7-M's ${reserved}): reads as zero, writes are ignored`,
      );
    else if (named === undefined) notes.push("no system register the simulator models here");
    return {
      address: a,
      kind: "system",
      name: named ?? "PPB",
      offset: named === undefined ? a - 0xe0000000 : a & 3,
      defaultMap,
      notes,
    };
  }
  if (board.bitBand && isBitBandAlias(a)) return bitBandLookup(board, a, defaultMap);
  return {
    address: a,
    kind: "unmapped",
    name: null,
    offset: null,
    defaultMap,
    notes: [
      `nothing on ${board.name}'s bus here: a data access is a BusFault (PRECISERR, BFAR = ${hex32(a)}), ${
        r.xn ? "a fetch a MemManage IACCVIOL (the default map's XN, before the bus)" : "a fetch a BusFault IBUSERR"
      }`,
      "with the MPU on, an unprivileged access no region grants is a MemManage fault (DACCVIOL, MMFAR) before the bus",
    ],
  };
}

/** ` (the nearest device the board names below it: SPI1 at 0x40013000)`, within the range, or the one it names at the address; or nothing. */
function nearestBelow(board: Board, a: number, rangeStart: number): string {
  const below = Object.entries(board.devices)
    .filter(([, at]) => at <= a && at >= rangeStart)
    .sort((x, y) => y[1] - x[1])[0];
  if (below === undefined) return "";
  return below[1] === a
    ? ` (${board.name} names ${below[0]} here, a device the simulator does not model)`
    : ` (the nearest device ${board.name} names below it: ${below[0]} at ${hex32(below[1])})`;
}

/** An address in a bit-band alias window: the bit it stands for, and how an access there goes (docs/bit-banding.md). */
function bitBandLookup(board: Board, a: number, defaultMap: AddressLookup["defaultMap"]): AddressLookup {
  const w = BIT_BAND_WINDOWS.find((x) => a >= x.alias && a < x.alias + BIT_BAND_ALIAS_BYTES)!;
  const byte = bitBandByte(a);
  const target = lookUp(board, byte);
  const at =
    target.kind === "unmapped"
      ? "nothing there: a data access is a BusFault (PRECISERR, BFAR = this alias address)"
      : target.kind === "peripheral"
        ? `peripheral ${target.name}: ${target.notes[0]}`
        : `${target.kind} ${target.name}${target.offset ? ` + ${hex32(target.offset)}` : ""}`;
  const notes = [
    `bit ${bitBandBit(a)} of ${hex32(byte)} (${at})`,
    "a load reads that bit into bit 0; a store sets it to bit 0 of the value (an atomic read-modify-write); bits [1:0] of the address are ignored",
    "the MPU checks this alias address, not the bit's byte: a region over the byte does not cover its alias, nor does one denying the byte protect it from a region over the alias",
    defaultMap.xn
      ? "a fetch is not remapped: a MemManage IACCVIOL (the default map's XN)"
      : "a fetch is not remapped: nothing is there to fetch (a BusFault IBUSERR)",
  ];
  if (board.roles.dma !== undefined)
    notes.push(`${board.roles.dma} sees no alias here (only the core's bus interface remaps it)`);
  return { address: a, kind: "bit-band", name: `${w.name} alias`, offset: a - w.alias, defaultMap, notes };
}

/** The lookup as lines for people. */
export function renderAddressLookup(board: Board, l: AddressLookup): string {
  const where =
    l.kind === "unmapped"
      ? "unmapped"
      : `${l.kind} ${l.name}${l.offset !== null && l.offset !== 0 ? ` + ${hex32(l.offset)}` : ""}`;
  const size = l.kind === "memory" ? ` (${formatBytes(board.memory.find((m) => m.name === l.name)?.size ?? 0)})` : "";
  const type =
    l.defaultMap.type === "normal" ? "Normal" : l.defaultMap.type === "device" ? "Device" : "Strongly-ordered";
  return [
    `${hex32(l.address)} on ${board.name}: ${where}${size}${l.contents ? `, in ${l.contents}` : ""}`,
    ...l.notes.map((n) => `  ${n}`),
    `  default memory map: ${l.defaultMap.name}, ${type}${l.defaultMap.xn ? ", XN" : ""}`,
    "",
  ].join("\n");
}
