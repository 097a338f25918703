import { describe, expect, it } from "vitest";
import { printable } from "./printable.js";

describe("printable: a run's text made safe for a terminal", () => {
  it("shows escape sequences, line breaks and other controls as escapes; keeps tabs and plain text", () => {
    expect(printable("\x1b[2J\x1b]0;pwned\x07hello")).toBe("\\e[2J\\e]0;pwned\\x07hello");
    expect(printable("a\nOK: forged\r")).toBe("a\\nOK: forged\\r");
    expect(printable("\x00\x08\x7f\x9b\tend")).toBe("\\x00\\x08\\x7F\\x9B\tend");
    expect(printable("abc\u202edcba\u2066")).toBe("abc\\u{202E}dcba\\u{2066}");
    const plain = "t=  100 ms | roll +5.52 deg °C ü";
    expect(printable(plain)).toBe(plain);
  });
});
