import {
  BOARDS,
  type Board,
  Cfsr,
  CORE_PROFILES,
  createMachine,
  Fault,
  findBoard,
  isBitBandAlias,
  type Machine,
  MpuReg,
  STM32F407,
  STM32H743XI,
} from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { runCaptured } from "../cli/test-io.js";
import { lookUpAddress } from "./map-address.js";

const F407 = findBoard("stm32f407")!;
const U585 = findBoard("stm32u585")!;

describe("map --address: what lies at an address (an MMFAR or BFAR value)", () => {
  it("memory: its region, the offset, bus access and whether the DMA reaches it", () => {
    expect(lookUpAddress(F407, 0x10000010)).toMatchObject({
      kind: "memory",
      name: "CCM",
      offset: 0x10,
      notes: [
        "ram, read/write, not executable, 0 wait state(s)",
        "DMA2 cannot reach it (a transfer there is a transfer error)",
      ],
      defaultMap: { name: "Code", type: "normal", xn: false },
    });
    expect(lookUpAddress(F407, 0x08000000).notes[0]).toBe(
      "flash, read-only (a write is a BusFault, PRECISERR), executable, 5 wait state(s)",
    );
    // No DMA modelled on the board: nothing said of one.
    expect(lookUpAddress(findBoard("mps2-an386")!, 0x20000000).notes).toHaveLength(1);
  });

  it("a peripheral range: the device at the address and the kernel's role of it", () => {
    expect(lookUpAddress(F407, 0x40026414)).toMatchObject({
      kind: "peripheral",
      name: "AHB1",
      notes: [
        "offset 0x14 in DMA2 (at 0x40026400, the kernel's dma device, 1 KiB of registers: an offset with no register reads 0, writes are ignored)",
        "Device memory, never executable (XN); with the MPU on, unprivileged code reaches it only through a region that grants it",
      ],
    });
    // The RP2040's DMA (datasheet 2.5) at the AHB-Lite's base: the kernel's dma device; its DMA reaches SRAM.
    const rp2040 = findBoard("rp2040")!;
    const dma = lookUpAddress(rp2040, 0x50000000);
    expect([dma.kind, dma.name, dma.notes[0]]).toEqual([
      "peripheral",
      "AHB",
      "offset 0x0 in DMA (at 0x50000000, the kernel's dma device, 4 KiB of registers: an offset with no register reads 0, writes are ignored)",
    ]);
    expect(lookUpAddress(rp2040, 0x20000000).notes.slice(0, 2)).toEqual([
      "ram, read/write, executable, 0 wait state(s)",
      "DMA reaches it",
    ]);
  });

  it("a peripheral address past a device's register block is no device's: the nearest one below is named as such", () => {
    // SPI1 (the sensor) is 1 KiB at 0x40013000; 0x40013800 is SYSCFG's on the silicon, which is not modelled.
    expect(lookUpAddress(F407, 0x400133fc).device).toEqual({
      name: "SPI1",
      base: 0x40013000,
      size: 1024,
      role: "sensor",
    });
    const past = lookUpAddress(F407, 0x40013800);
    expect([past.kind, past.name, past.offset, past.device, past.notes[0]]).toEqual([
      "peripheral",
      "APB2",
      0x3800,
      null,
      "no device the simulator models here: reads return 0, writes are ignored (the nearest device stm32f407 names below it: SPI1 at 0x40013000)",
    ]);
    // A device the board names but the kernel attaches none for (no role): named, not modelled.
    expect(lookUpAddress(F407, 0x40020004).notes[0]).toBe(
      "no device the simulator models here: reads return 0, writes are ignored (the nearest device stm32f407 names below it: GPIOA at 0x40020000)",
    );
    expect(lookUpAddress(F407, 0x40020000).notes[0]).toBe(
      "no device the simulator models here: reads return 0, writes are ignored (stm32f407 names GPIOA here, a device the simulator does not model)",
    );
    // A range with no named device: nothing to name.
    expect(lookUpAddress(F407, 0x50000000).notes[0]).toBe(
      "no device the simulator models here: reads return 0, writes are ignored",
    );
  });

  it("the PPB: the system register by the board's architecture (RASR on PMSAv7, RLAR on PMSAv8)", () => {
    expect([lookUpAddress(F407, 0xe000ed28).name, lookUpAddress(F407, 0xe000ed36)]).toMatchObject([
      "CFSR",
      { kind: "system", name: "MMFAR", offset: 2 },
    ]);
    expect(lookUpAddress(F407, 0xe000eda0).name).toBe("MPU_RASR");
    expect(lookUpAddress(U585, 0xe000eda0).name).toBe("MPU_RLAR");
    expect(lookUpAddress(F407, 0xe000e018).name).toBe("SYST_CVR");
    expect(lookUpAddress(F407, 0xe000e100)).toMatchObject({ name: "PPB", offset: 0xe100 });
  });

  it("initial contents: the UID and flash size registers by name, inside their memory region", () => {
    expect(lookUpAddress(F407, 0x1fff7a10)).toMatchObject({
      kind: "memory",
      name: "DeviceSignature",
      offset: 0,
      contents: "UID",
    });
    expect(lookUpAddress(F407, 0x1fff7a23).notes[2]).toBe(
      "FLASH_SIZE + 0x1: flash size in KiB, 16 bits: 1024 (RM0090 39.2) (0x1FFF7A22-0x1FFF7A23, factory-programmed, loaded when the machine is built)",
    );
    // A reserved byte of the signature, and the H743's UID inside its system memory.
    expect(lookUpAddress(F407, 0x1fff7a1c)).toMatchObject({ name: "DeviceSignature", contents: null });
    expect(lookUpAddress(STM32H743XI, 0x1ff1e808)).toMatchObject({
      name: "SystemMemory0",
      offset: 0x1e808,
      contents: "UID",
    });
    expect(lookUpAddress(U585, 0x0bfa07a0)).toMatchObject({ name: "DeviceSignature", contents: "FLASH_SIZE" });
  });

  it("unmapped: the BusFault an access there takes", () => {
    expect(lookUpAddress(F407, 0x30000000)).toMatchObject({
      kind: "unmapped",
      name: null,
      notes: [
        "nothing on stm32f407's bus here: a data access is a BusFault (PRECISERR, BFAR = 0x30000000), a fetch a BusFault IBUSERR",
        "with the MPU on, an unprivileged access no region grants is a MemManage fault (DACCVIOL, MMFAR) before the bus",
      ],
    });
    // In an XN range of the default map (here Peripheral), the fetch never reaches the bus.
    expect(lookUpAddress(F407, 0x40100000).notes[0]).toBe(
      "nothing on stm32f407's bus here: a data access is a BusFault (PRECISERR, BFAR = 0x40100000), a fetch a MemManage IACCVIOL (the default map's XN, before the bus)",
    );
    expect(lookUpAddress(F407, 0xe000ef00).notes).toEqual([
      "Private Peripheral Bus: privileged access only (an unprivileged access is a BusFault, PRECISERR); the MPU does not apply",
      "never executable (XN): a fetch is a MemManage IACCVIOL",
      "with CCR.USERSETMPEND set, unprivileged code may access STIR",
    ]);
  });

  it("says the fault the simulated core takes at an unmapped or PPB address: read, write, fetch, privileged or not, MPU off and on", () => {
    // CFSR after one access (the MPU off, or ENABLE | PRIVDEFENA with no region), cleared before it.
    const machines = new Map<string, Machine>();
    const cfsr = (board: Board, mpu: number, access: (m: Machine) => void): number => {
      const key = `${board.name} ${mpu}`;
      let m = machines.get(key);
      if (m === undefined) {
        m = createMachine(board);
        if (mpu !== 0) m.core.write32(MpuReg.CTRL, mpu);
        machines.set(key, m);
      }
      m.core.clearFault();
      m.core.write32(0xe000ed28, 0xffffffff); // CFSR is write-one-to-clear
      try {
        access(m);
      } catch (e) {
        // The fault is latched in CFSR; an ARMv6-M core has none, and its Fault carries the bits
        // an ARMv7-M core would record.
        if (!CORE_PROFILES[board.core].configurableFaults) return e instanceof Fault ? e.cfsr : -1;
      }
      return m.scb.cfsr;
    };
    const bus = Cfsr.PRECISERR | Cfsr.BFARVALID;
    const mem = Cfsr.DACCVIOL | Cfsr.MMARVALID;
    for (const board of Object.values(BOARDS)) {
      for (const a of [0x30000000, 0x40100000, 0x5ff00000, 0x70000000, 0xa0000000, 0xe0100000, 0xfff00000]) {
        const l = lookUpAddress(board, a);
        if (l.kind !== "unmapped") continue;
        const fetch = l.notes[0]!.includes("a fetch a MemManage IACCVIOL") ? Cfsr.IACCVIOL : Cfsr.IBUSERR;
        expect([board.name, a, l.notes[1]]).toEqual([
          board.name,
          a,
          "with the MPU on, an unprivileged access no region grants is a MemManage fault (DACCVIOL, MMFAR) before the bus",
        ]);
        expect([
          board.name,
          a,
          cfsr(board, 0, (m) => m.core.read32(a)),
          cfsr(board, 0, (m) => m.core.read32(a, true)),
          cfsr(board, 0, (m) => m.core.write32(a, 0)),
          cfsr(board, 5, (m) => m.core.read32(a)),
          cfsr(board, 5, (m) => m.core.read32(a, true)),
          cfsr(board, 0, (m) => m.core.fetch(a)),
          cfsr(board, 5, (m) => m.core.fetch(a)),
        ]).toEqual([board.name, a, bus, bus, bus, bus, mem, fetch, fetch]);
      }
      const ppb = lookUpAddress(board, 0xe000ed28);
      expect(ppb.notes.slice(0, 2)).toEqual([
        "Private Peripheral Bus: privileged access only (an unprivileged access is a BusFault, PRECISERR); the MPU does not apply",
        "never executable (XN): a fetch is a MemManage IACCVIOL",
      ]);
      expect([
        cfsr(board, 0, (m) => m.core.read32(0xe000ed28)),
        cfsr(board, 5, (m) => m.core.read32(0xe000ed28, true)),
        cfsr(board, 5, (m) => m.core.fetch(0xe000ed28)),
      ]).toEqual([0, bus, Cfsr.IACCVIOL]);
    }
  });

  it("an ARMv6-M board says every fault is a HardFault, the names being what an ARMv7-M core would record", () => {
    const rp2040 = findBoard("rp2040")!;
    expect(lookUpAddress(rp2040, 0x30000000).notes.at(-1)).toBe(
      "cortex-m0plus (ARMv6-M) has no MemManage, BusFault, CFSR, MMFAR or BFAR: each fault named here is a HardFault, the names are what an ARMv7-M core would record",
    );
    expect(lookUpAddress(F407, 0x30000000).notes.at(-1)).not.toContain("ARMv6-M");
  });

  it("an ARMv6-M board names no SCB fault register and no MPU alias: the words are reserved there and read as zero", () => {
    const rp2040 = findBoard("rp2040")!;
    const m = createMachine(rp2040);
    for (const [word, armv7] of [
      [0xe000ed18, "SHPR1"],
      [0xe000ed24, "SHCSR"],
      [0xe000ed28, "CFSR"],
      [0xe000ed2c, "HFSR"],
      [0xe000ed34, "MMFAR"],
      [0xe000ed38, "BFAR"],
      [0xe000ed3c, "AFSR"],
      [0xe000ef00, "STIR"],
      [0xe000eda4, "MPU_RBAR_A1"],
      [0xe000edb8, "MPU_RASR_A3"],
    ] as const) {
      const l = lookUpAddress(rp2040, word + 1);
      expect([word, l.kind, l.name, l.offset]).toEqual([word, "system", "PPB", word + 1 - 0xe0000000]);
      expect(l.notes[2]).toBe(`no register here on ARMv6-M (ARMv7-M's ${armv7}): reads as zero, writes are ignored`);
      m.core.write32(word, 0xffffffff);
      expect([word, m.core.read32(word)]).toEqual([word, 0]);
    }
    // What ARMv6-M has keeps its name; an ARMv7-M core names them all.
    expect(
      ["CCR", "SHPR2", "MPU_RASR", "SYST_CSR"]
        .map((n, i) => [n, [0xe000ed14, 0xe000ed1c, 0xe000eda0, 0xe000e010][i]!])
        .map(([n, a]) => [n, lookUpAddress(rp2040, a as number).name]),
    ).toEqual([
      ["CCR", "CCR"],
      ["SHPR2", "SHPR2"],
      ["MPU_RASR", "MPU_RASR"],
      ["SYST_CSR", "SYST_CSR"],
    ]);
    expect(lookUpAddress(F407, 0xe000eda4).name).toBe("MPU_RBAR_A1");
    expect(lookUpAddress(F407, 0xe000ed24).notes).toHaveLength(2);
  });

  it("the command prints only the lookup; --json the same fields; a bad address is a usage error", async () => {
    const r = await runCaptured(["map", "stm32f407", "--address", "0x20001000"]);
    expect(r.code).toBe(0);
    expect(r.out.split("\n")).toEqual([
      "0x20001000 on stm32f407: memory SRAM1 + 0x00001000 (112 KiB)",
      "  ram, read/write, executable, 0 wait state(s)",
      "  DMA2 reaches it",
      "  default memory map: SRAM, Normal",
      "",
    ]);
    const json = JSON.parse((await runCaptured(["map", "stm32f407", "--address", "3758157096", "--json"])).out);
    expect(json).toMatchObject({ board: "stm32f407", address: 0xe000ed28, kind: "system", name: "CFSR" });
    expect(await runCaptured(["map", "stm32f407", "--address", "0x1_0000_0000"])).toMatchObject({ code: 2, out: "" });
  });

  it("agrees with the bus on every built-in board: region edges, peripheral edges and a 16 MiB grid", () => {
    for (const board of Object.values(BOARDS)) {
      const bus = createMachine(board).bus;
      const edges = [
        ...board.memory.flatMap((m) => [m.start, m.end - 1, m.end]),
        ...board.peripherals.flatMap((p) => [p.start, p.start + p.size - 1, p.start + p.size]),
        ...Array.from({ length: 256 }, (_, i) => i * 0x01000000 + 0x100),
      ];
      for (const a of edges) {
        const l = lookUpAddress(board, a >>> 0);
        const region = bus.regionAt(a);
        const expected = region
          ? "memory"
          : bus.isPeripheral(a)
            ? "peripheral"
            : a >>> 0 >= 0xe0000000 && a >>> 0 < 0xe0100000
              ? "system"
              : board.bitBand && isBitBandAlias(a >>> 0)
                ? "bit-band" // the core's bus interface remaps it, not the bus
                : "unmapped";
        expect([board.name, a >>> 0, l.kind, l.name]).toEqual([
          board.name,
          a >>> 0,
          expected,
          region ? region.name : expected === "unmapped" ? null : l.name,
        ]);
      }
    }
  });

  it("a bit-band alias address: the bit it names is the one the core's store sets, and the MPU sees the alias", () => {
    const l = lookUpAddress(STM32F407, 0x2208000c);
    expect([l.kind, l.name, l.offset]).toEqual(["bit-band", "SRAM alias", 0x8000c]);
    expect(l.notes[0]).toBe("bit 3 of 0x20004000 (memory SRAM1 + 0x00004000)");
    const m = createMachine(STM32F407);
    m.core.write32(0x2208000c, 1);
    expect([...m.bus.peek(0x20004000, 1)]).toEqual([1 << 3]);
    expect(lookUpAddress(STM32F407, 0x22400000).notes[0]).toBe(
      "bit 0 of 0x20020000 (nothing there: a data access is a BusFault (PRECISERR, BFAR = this alias address))",
    );
    expect(lookUpAddress(STM32H743XI, 0x2208000c).kind).toBe("unmapped"); // a Cortex-M7: no bit-banding
  });
});
