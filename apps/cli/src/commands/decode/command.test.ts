import { describe, expect, it } from "vitest";
import { runCaptured } from "../../cli/test-io.js";

describe("rtos-sim decode", () => {
  it("prints the decoded register, exit 0; --json gives the same fields", async () => {
    const text = await runCaptured(["decode", "cfsr", "0x00000082"]);
    expect(text.code).toBe(0);
    expect(text.out.split("\n")[1]).toBe(
      "  bit  1  MMFSR  DACCVIOL     MemManage: data access the MPU does not permit at this privilege",
    );
    const json = await runCaptured(["decode", "CFSR", "130", "--json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({
      register: "CFSR",
      value: 130,
      bits: [
        { bit: 1, name: "DACCVIOL", register: "MMFSR" },
        { bit: 7, name: "MMARVALID", register: "MMFSR" },
      ],
    });
    const rlar = await runCaptured([
      "decode",
      "rlar",
      "0x2001ffe3",
      "--rbar",
      "0x20010003",
      "--mair0",
      "0x4404",
      "--json",
    ]);
    expect(JSON.parse(rlar.out)).toMatchObject({
      register: "RLAR",
      attr: 0x44,
      region: { base: 0x20010000, access: "rw" },
    });
  });

  it("bad input is a usage error (exit 2) naming what is wrong, nothing on standard output", async () => {
    expect(await runCaptured(["decode", "mmfar", "1"])).toEqual({
      code: 2,
      out: "",
      err: 'rtos-sim decode: unknown register "mmfar" (registers: cfsr, hfsr, exc-return, shcsr, ccr, xpsr, control, mpu-ctrl, rasr, rlar; MMFAR holds an address: rtos-sim map <board> --address <value> says what lies there)\n',
    });
    expect((await runCaptured(["decode", "psr", "1"])).err).toBe(
      'rtos-sim decode: unknown register "psr" (registers: cfsr, hfsr, exc-return, shcsr, ccr, xpsr, control, mpu-ctrl, rasr, rlar)\n',
    );
    expect(await runCaptured(["decode", "cfsr", "0x1_0000_0000"])).toMatchObject({ code: 2, out: "" });
    expect((await runCaptured(["decode", "cfsr", "4294967296"])).err).toBe(
      'rtos-sim decode: <value>: expected an integer from 0 to 4294967295, got "4294967296"\n',
    );
    expect((await runCaptured(["decode", "rlar", "0x2001ffe3"])).err).toBe(
      "rtos-sim decode: rlar: --rbar is needed (the region's base and AP are in RBAR)\n",
    );
    expect((await runCaptured(["decode", "cfsr"])).code).toBe(2);
    // An option the register does not read is not silently ignored.
    expect(await runCaptured(["decode", "cfsr", "0x82", "--rbar", "5"])).toEqual({
      code: 2,
      out: "",
      err: "rtos-sim decode: cfsr does not use --rbar\n",
    });
    expect((await runCaptured(["decode", "rasr", "0x13030013", "--mair0", "0x44"])).err).toBe(
      "rtos-sim decode: rasr does not use --mair0 (it reads --rbar)\n",
    );
    // A negative value reads as an option: the message says how to pass it, and then it is out of range.
    expect((await runCaptured(["decode", "cfsr", "-1"])).err).toBe(
      'rtos-sim decode: unknown option -1 for "rtos-sim decode" (see rtos-sim decode --help; a negative number as an argument goes after "--")\n',
    );
    expect((await runCaptured(["decode", "cfsr", "--", "-1"])).err).toBe(
      'rtos-sim decode: <value>: expected an integer from 0 to 4294967295, got "-1"\n',
    );
  });
});
