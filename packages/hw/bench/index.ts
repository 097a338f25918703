/**
 * hw benchmarks: checked 32-bit loads and stores at random SRAM addresses (unprivileged) against
 * raw DataView access to the same offsets, measured in the same run. Each case runs in its own
 * process (see benchMain); the loop, the addresses and the MPU setup are the bench kit's, shared
 * with the memory checker's bench.
 */
import {
  ACCESS,
  ACCESS_OPS,
  accessLoop,
  benchMain,
  measure,
  programEightRegions,
  randomWordOffsets,
  rawAccessBaseline,
  row,
} from "@rtos-sim/bench-kit";
import { createMachine, STM32F407 } from "../src/index.js";

/** The same raw access through a DataView held in an object's field (how an emulator holds memory). */
class RawMemory {
  readonly view = new DataView(new ArrayBuffer(ACCESS.size));
  read32(a: number): number {
    return this.view.getUint32(a - ACCESS.base, true);
  }
  write32(a: number, v: number): void {
    this.view.setUint32(a - ACCESS.base, v, true);
  }
}

function rawObject() {
  const off = randomWordOffsets();
  const mem = new RawMemory();
  return measure("raw DataView in an object field (informational)", ACCESS_OPS, () => {
    let acc = 0;
    for (let i = 0; i < off.length; i++) {
      const a = ACCESS.base + off[i]!;
      acc = (acc + mem.read32(a)) | 0;
      mem.write32(a, acc);
    }
    return acc;
  });
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

benchMain(
  "hw",
  {
    raw: () => rawAccessBaseline(),
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
