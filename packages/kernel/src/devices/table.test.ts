import { BOARDS } from "@rtos-sim/hw";
import { describe, expect, expectTypeOf, it } from "vitest";
import readme from "../../README.md?raw";
import type { TaskSpec } from "../config.js";
import { DEVICE_ROLES, DEVICES, type DeviceRole, isDeviceRole } from "./table.js";
import { testDeviceEnv } from "./test-env.js";

describe("the device table", () => {
  it("is the single source of the roles: TaskSpec.devices takes them", () => {
    expectTypeOf<NonNullable<TaskSpec["devices"]>[number]>().toEqualTypeOf<DeviceRole>();
    expect(DEVICE_ROLES).toEqual(["uart", "gpio", "timer", "sensor", "actuator", "dma"]);
    expect(isDeviceRole("uart")).toBe(true);
    expect(isDeviceRole("watchdog")).toBe(false);
    expect(isDeviceRole("toString")).toBe(false);
    for (const role of DEVICE_ROLES) {
      expect(DEVICES[role].summary.length, role).toBeGreaterThan(0);
      expect(DEVICES[role].create("X", testDeviceEnv()).name, role).toBe("X");
    }
  });

  it("the kernel README's TaskSpec table lists every role in its `devices` row", () => {
    const row = readme.split("\n").find((line) => line.startsWith("| `devices` "));
    expect(row, "the README's devices row").toBeDefined();
    const roles = [...row!.split("|")[3]!.matchAll(/`"([a-z-]+)"`/g)].map((m) => m[1]);
    expect(roles).toEqual([...DEVICE_ROLES]);
  });

  it("every built-in board's roles are roles of the table, uart among them", () => {
    for (const board of BOARDS) {
      expect(
        Object.keys(board.roles).filter((r) => !isDeviceRole(r)),
        board.name,
      ).toEqual([]);
      expect(board.roles.uart, board.name).toBeDefined();
    }
  });
});
