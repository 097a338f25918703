import { describe, expect, it } from "vitest";
import { EXAMPLE_APP } from "./example-app.js";
import { DEFAULT_STATE, decodeState, EDITOR_APP, encodeState } from "./state.js";

describe("encodeState / decodeState", () => {
  it("defaults are left out; a fresh page is flight with its defaults", () => {
    expect(encodeState(DEFAULT_STATE)).toBe("app=flight");
    expect(decodeState("")).toEqual(DEFAULT_STATE);
    expect(encodeState({ ...DEFAULT_STATE, app: "isolation", seed: 7 })).toBe("app=isolation&seed=7");
    // The checker: the app's default unless the link says (as the CLI without a flag).
    expect(DEFAULT_STATE.memcheck).toBeNull();
    expect(encodeState({ ...DEFAULT_STATE, app: "alloc-stress", memcheck: true })).toBe("app=alloc-stress&memcheck=1");
    expect(decodeState("app=flight&memcheck=0").memcheck).toBe(false);
  });

  it("every field and an edited source (any Unicode) survive a round trip", () => {
    const s = {
      app: EDITOR_APP,
      board: "stm32f407",
      seed: 4_294_967_295,
      durationMs: 250,
      memcheck: false,
      source: `${EXAMPLE_APP}// déjà vu ✓ 𝛑\n`,
    };
    const fragment = encodeState(s);
    expect(fragment).toMatch(/^[A-Za-z0-9=&_.-]+$/); // nothing to escape in a URL
    expect(decodeState(`#${fragment}`)).toEqual(s);
  });

  it("a board's alias is read as its name (the page's board list has names only)", () => {
    expect(decodeState("app=flight&board=stm32f4").board).toBe("stm32f407");
    expect(decodeState("app=flight&board=pico2").board).toBe("rp2350");
    expect(decodeState("app=flight&board=stm32h743").board).toBe("stm32h743xi");
  });

  it("a bad field is a typed error naming it", () => {
    for (const [fragment, field] of [
      ["app=nope", "app"],
      ["board=pdp11", "board"],
      ["seed=-1", "seed"],
      ["seed=4294967296", "seed"],
      ["seed=1e3", "seed"],
      ["duration=0", "duration"],
      ["duration=3600001", "duration"],
      ["memcheck=yes", "memcheck"],
      ["src=%%%", "src"],
      ["src=_w", "src"], // not UTF-8
    ] as const) {
      expect(() => decodeState(fragment), fragment).toThrow(
        expect.objectContaining({ code: "BAD_STATE", context: expect.objectContaining({ field }) }),
      );
    }
  });
});
