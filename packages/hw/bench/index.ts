/**
 * hw benchmarks: checked 32-bit loads and stores at random addresses (unprivileged) against raw
 * DataView access to the same offsets, measured in the same run. Each case runs in its own
 * process (see benchMain).
 */
import { benchMain, measure, mulberry32, row } from "@rtos-sim/bench-kit";
import { createMachine, STM32F407 } from "../src/index.js";

const N = 1 << 20;
const SRAM = 0x20000000;
const SIZE = 128 * 1024;
const OPS = 2 * N;

function offsets(): Uint32Array {
  const rnd = mulberry32(42);
  const out = new Uint32Array(N);
  for (let i = 0; i < N; i++) out[i] = Math.floor(rnd() * (SIZE / 4)) * 4;
  return out;
}

/**
 * The baseline: the same loop as the checked cases (same address array, same address arithmetic,
 * same accumulation), with the access done by a raw DataView over a 128 KiB ArrayBuffer.
 */
function raw() {
  const off = offsets();
  const dv = new DataView(new ArrayBuffer(SIZE));
  return measure("raw DataView load+store", OPS, () => {
    let acc = 0;
    for (let i = 0; i < N; i++) {
      const a = SRAM + off[i]!;
      acc = (acc + dv.getUint32(a - SRAM, true)) | 0;
      dv.setUint32(a - SRAM, acc, true);
    }
    return acc;
  });
}

/** The same raw access through a DataView held in an object's field (how an emulator holds memory). */
class RawMemory {
  readonly view = new DataView(new ArrayBuffer(SIZE));
  read32(a: number): number {
    return this.view.getUint32(a - SRAM, true);
  }
  write32(a: number, v: number): void {
    this.view.setUint32(a - SRAM, v, true);
  }
}

function rawObject() {
  const off = offsets();
  const mem = new RawMemory();
  return measure("raw DataView in an object field (informational)", OPS, () => {
    let acc = 0;
    for (let i = 0; i < N; i++) {
      const a = SRAM + off[i]!;
      acc = (acc + mem.read32(a)) | 0;
      mem.write32(a, acc);
    }
    return acc;
  });
}

/** 8 regions in use: flash, SRAM (user rw), CCM, peripherals, and 4 smaller overlapping ones. */
function checked(name: string, opts: { mpu: boolean; cycles?: boolean; privateHole?: boolean }) {
  const off = offsets();
  const m = createMachine(STM32F407);
  if (opts.mpu) {
    m.mpu.setRegion(0, { base: 0x08000000, size: 0x100000, access: "ro", executable: true });
    m.mpu.setRegion(1, { base: 0x20000000, size: 0x20000, access: "rw" });
    m.mpu.setRegion(2, { base: 0x10000000, size: 0x10000, access: "priv-rw" });
    m.mpu.setRegion(3, { base: 0x40000000, size: 0x20000000, access: "priv-rw", memory: "device" });
    m.mpu.setRegion(4, { base: 0x20004000, size: 0x4000, access: "rw", subregionDisable: 0x81 });
    m.mpu.setRegion(5, { base: 0x20010000, size: 0x8000, access: "rw" });
    // With privateHole, a privileged-only 256 B region inside SRAM: the table decides per granule.
    m.mpu.setRegion(
      6,
      opts.privateHole
        ? { base: 0x2001ff00, size: 0x100, access: "priv-rw" }
        : { base: 0x2001f000, size: 0x1000, access: "rw" },
    );
    m.mpu.setRegion(7, { base: 0x1fff0000, size: 0x10000, access: "ro" });
    m.mpu.setControl({ enable: true, privdefena: true });
  }
  m.core.controlNPriv = true;
  m.core.countCycles = opts.cycles ?? false;
  const core = m.core;
  const limit = opts.privateHole ? 0x1ff00 : SIZE;
  for (let i = 0; i < N; i++) if (off[i]! >= limit) off[i] = off[i]! - 0x100;
  return measure(name, OPS, () => {
    let acc = 0;
    for (let i = 0; i < N; i++) {
      const a = SRAM + off[i]!;
      acc = (acc + core.read32(a)) | 0;
      core.write32(a, acc);
    }
    return acc;
  });
}

benchMain(
  "hw",
  {
    raw,
    rawObject,
    mpuOn: () => checked("checked, unprivileged, MPU on, 8 regions", { mpu: true }),
    mpuOnHole: () =>
      checked("checked, unprivileged, MPU on, 8 regions, per-granule decisions", { mpu: true, privateHole: true }),
    mpuOff: () => checked("checked, unprivileged, MPU off", { mpu: false }),
    mpuOnCycles: () => checked("checked, MPU on, 8 regions, cycle counting on", { mpu: true, cycles: true }),
    mpuOffCycles: () => checked("checked, MPU off, cycle counting on", { mpu: false, cycles: true }),
  },
  (r) => [
    {
      group: "checked 32-bit access at random SRAM addresses",
      baseline: r.raw!.name,
      rows: [
        row(r.raw!, r.raw!),
        row(r.rawObject!, r.raw!),
        row(r.mpuOn!, r.raw!, { ratio: 0.25 }),
        row(r.mpuOnHole!, r.raw!, { ratio: 0.25 }),
        row(r.mpuOff!, r.raw!, { ratio: 0.5 }),
        row(r.mpuOnCycles!, r.raw!),
        row(r.mpuOffCycles!, r.raw!),
      ],
    },
  ],
);
