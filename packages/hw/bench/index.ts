/**
 * hw benchmarks: checked 32-bit loads and stores at random SRAM addresses (unprivileged) against
 * raw DataView access to the same offsets, measured in the same run. Each case runs in its own
 * process (see benchMain) and times the raw loop alternately with its own runs there: its ratio
 * is the median run-by-run ratio (bench kit's `PairedBaseline`); the raw row is the raw loop in
 * processes of its own. The loop, the addresses and the PMSAv7 MPU setup are the bench kit's,
 * shared with the memory checker's bench.
 *
 * These are best cases: every address falls in one region (or in one region and a 256-byte
 * privileged hole), so one block and its view bytes stay in cache. The same
 * rows run on a PMSAv7 board (STM32F407, Cortex-M4) and a PMSAv8 board (STM32U585, Cortex-M33)
 * with the same targets; the kernel's bench measures a task-like mix of regions.
 */
import {
  ACCESS,
  ACCESS_OPS,
  accessLoop,
  benchMain,
  checksInlineRun,
  measure,
  PAIRED_RUNS,
  programEightRegions,
  randomWordOffsets,
  rawAccessBaseline,
  rawAccessRun,
  row,
} from "@rtos-sim/bench-kit";
import { createMachine, type MpuV8, Perm, STM32F407, STM32U585 } from "../src/index.js";

/**
 * The same raw access through a DataView held in an object's field, as a simulator holds its
 * memory, with the memory's base address in a field too: read from a module constant in the
 * methods, it would cost a context load and a map check per access, which no simulator pays.
 */
class RawMemory {
  readonly view = new DataView(new ArrayBuffer(ACCESS.size));
  readonly base: number = ACCESS.base;
  read32(a: number): number {
    return this.view.getUint32(a - this.base, true);
  }
  write32(a: number, v: number): void {
    this.view.setUint32(a - this.base, v, true);
  }
}

function rawObject() {
  const off = randomWordOffsets();
  const mem = new RawMemory();
  const base = ACCESS.base;
  return measure(
    "raw DataView in an object field (informational)",
    ACCESS_OPS,
    () => {
      let acc = 0;
      for (let i = 0; i < off.length; i++) {
        const a = base + off[i]!;
        acc = (acc + mem.read32(a)) | 0;
        mem.write32(a, acc);
      }
      return acc;
    },
    { runs: PAIRED_RUNS, baseline: rawAccessRun(off) },
  );
}

/**
 * Bound of the best-case rows: the core's tests written inline in the loop (bench kit's
 * `checksInlineRun`) on the PMSAv7 machine with the MPU off, unprivileged, the same addresses.
 */
function checksInline() {
  const off = randomWordOffsets();
  const m = createMachine(STM32F407);
  m.core.controlNPriv = true;
  const addresses = off.map((o) => ACCESS.base + o);
  const bound = checksInlineRun(m.core, addresses, { readBit: Perm.UR, writeBit: Perm.UW });
  return measure(`${bound.name}, MPU off (informational)`, ACCESS_OPS, bound.run, {
    runs: PAIRED_RUNS,
    baseline: rawAccessRun(off),
  });
}

/**
 * The PMSAv8 equivalent of the bench kit's eight regions, on an STM32U585: PMSAv8 regions cannot
 * overlap, so the SRAM the addresses fall in is one region (with the privileged-only 256-byte
 * hole at its top as a region of its own when `privateHole`), and the others cover flash, the
 * rest of SRAM1, SRAM2-4 and the peripherals. MAIR Attr0 Normal write-back, Attr1 Device-nGnRE.
 */
function programEightRegionsV8(mpu: MpuV8, privateHole = false): void {
  mpu.setMair(0, 0xee);
  mpu.setMair(1, 0x04);
  mpu.setRegion(0, { base: 0x08000000, size: 0x100000, access: "ro", executable: true });
  mpu.setRegion(1, { base: 0x20000000, size: privateHole ? 0x1ff00 : 0x20000, access: "rw" });
  mpu.setRegion(2, { base: 0x28000000, size: 0x4000, access: "priv-rw" });
  mpu.setRegion(3, { base: 0x40000000, size: 0x20000000, access: "priv-rw", attrIndex: 1 });
  mpu.setRegion(4, { base: 0x20020000, size: 0x10000, access: "rw" });
  mpu.setRegion(5, { base: 0x20030000, size: 0x10000, access: "rw" });
  mpu.setRegion(
    6,
    privateHole
      ? { base: 0x2001ff00, size: 0x100, access: "priv-rw" }
      : { base: 0x20040000, size: 0x40000, access: "rw" },
  );
  mpu.setRegion(7, { base: 0x20080000, size: 0x40000, access: "ro" });
  mpu.setControl({ enable: true, privdefena: true });
}

function checked(name: string, opts: { mpu: boolean; cycles?: boolean; privateHole?: boolean }) {
  const off = randomWordOffsets();
  const m = createMachine(STM32F407);
  if (opts.mpu) programEightRegions(m.mpu, opts.privateHole);
  m.core.controlNPriv = true;
  m.core.countCycles = opts.cycles ?? false;
  // Keep the addresses out of the privileged-only hole at the top of SRAM.
  if (opts.privateHole) for (let i = 0; i < off.length; i++) if (off[i]! >= 0x1ff00) off[i] = off[i]! - 0x100;
  return accessLoop(name, m.core, off);
}

/** The same loop on the PMSAv8 board (Cortex-M33), its eight regions laid out without overlap. */
function checkedV8(name: string, opts: { mpu: boolean; cycles?: boolean; privateHole?: boolean }) {
  const off = randomWordOffsets();
  const m = createMachine(STM32U585);
  if (opts.mpu) programEightRegionsV8(m.mpu, opts.privateHole);
  m.core.controlNPriv = true;
  m.core.countCycles = opts.cycles ?? false;
  if (opts.privateHole) for (let i = 0; i < off.length; i++) if (off[i]! >= 0x1ff00) off[i] = off[i]! - 0x100;
  return accessLoop(name, m.core, off);
}

benchMain(
  "hw",
  {
    raw: () => rawAccessBaseline(),
    rawObject,
    checksInline,
    mpuOn: () => checked("best case: PMSAv7 (STM32F407), checked, unprivileged, MPU on, 8 regions", { mpu: true }),
    mpuOnHole: () =>
      checked("best case: PMSAv7 (STM32F407), checked, unprivileged, MPU on, 8 regions, per-granule decisions", {
        mpu: true,
        privateHole: true,
      }),
    mpuOff: () => checked("best case: PMSAv7 (STM32F407), checked, unprivileged, MPU off", { mpu: false }),
    mpuOnCycles: () =>
      checked("best case: PMSAv7 (STM32F407), checked, MPU on, 8 regions, cycle counting on", {
        mpu: true,
        cycles: true,
      }),
    mpuOffCycles: () =>
      checked("best case: PMSAv7 (STM32F407), checked, MPU off, cycle counting on", { mpu: false, cycles: true }),
    v8MpuOn: () =>
      checkedV8("best case: PMSAv8 (STM32U585, Cortex-M33), checked, unprivileged, MPU on, 8 regions", { mpu: true }),
    v8MpuOnHole: () =>
      checkedV8(
        "best case: PMSAv8 (STM32U585, Cortex-M33), checked, unprivileged, MPU on, 8 regions, per-granule decisions",
        {
          mpu: true,
          privateHole: true,
        },
      ),
    v8MpuOff: () =>
      checkedV8("best case: PMSAv8 (STM32U585, Cortex-M33), checked, unprivileged, MPU off", { mpu: false }),
    v8MpuOnCycles: () =>
      checkedV8("best case: PMSAv8 (STM32U585, Cortex-M33), checked, MPU on, 8 regions, cycle counting on", {
        mpu: true,
        cycles: true,
      }),
  },
  (r) => [
    {
      group: "checked 32-bit access at random SRAM addresses (best case: one region), PMSAv7 and PMSAv8",
      baseline: r.raw!.name,
      rows: [
        row(r.raw!, r.raw!),
        row(r.rawObject!, r.raw!),
        row(r.checksInline!, r.raw!),
        row(r.mpuOn!, r.raw!, { ratio: 0.25 }),
        row(r.mpuOnHole!, r.raw!, { ratio: 0.25 }),
        row(r.mpuOff!, r.raw!, { ratio: 0.5 }),
        row(r.mpuOnCycles!, r.raw!),
        row(r.mpuOffCycles!, r.raw!),
        row(r.v8MpuOn!, r.raw!, { ratio: 0.25 }),
        row(r.v8MpuOnHole!, r.raw!, { ratio: 0.25 }),
        row(r.v8MpuOff!, r.raw!, { ratio: 0.5 }),
        row(r.v8MpuOnCycles!, r.raw!),
      ],
    },
  ],
);
