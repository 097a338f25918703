import { describe, expect, it } from "vitest";
import readme from "../../../README.md?raw";
import * as hw from "../../index.js";
import type { Board } from "../types.js";
import { BOARDS, findBoard } from "./table.js";

/** The rows of the hw README's "Built-in boards" table: export name and board name. */
function readmeRows(): { exportName: string; name: string }[] {
  const section = readme.slice(readme.indexOf("## Built-in boards"), readme.indexOf("## Custom boards"));
  const rows: { exportName: string; name: string }[] = [];
  for (const line of section.split("\n")) {
    const m = /^\| `(\w+)` +\| `([a-z0-9-]+)` +\|/.exec(line);
    if (m) rows.push({ exportName: m[1]!, name: m[2]! });
  }
  return rows;
}

/** Every board the package index exports by name (`STM32F407`, ...). */
function exportedBoards(): [string, Board][] {
  return Object.entries(hw).filter(
    (e): e is [string, Board] => typeof e[1] === "object" && e[1] !== null && "mpuArchitecture" in e[1],
  );
}

describe("the built-in board table", () => {
  it("names every board once: names and aliases are unique and lowercase, and findBoard finds each", () => {
    const names = BOARDS.flatMap((b) => [b.name, ...b.aliases]);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n, n).toBe(n.toLowerCase());
    for (const b of BOARDS) {
      expect(Object.isFrozen(b), b.name).toBe(true);
      for (const n of [b.name, ...b.aliases]) expect(findBoard(n.toUpperCase()), n).toBe(b);
    }
  });

  it("holds every board the package exports, and only those", () => {
    const exported = exportedBoards();
    expect(exported.map(([, b]) => b.name).sort()).toEqual(BOARDS.map((b) => b.name).sort());
    for (const [, b] of exported) expect(BOARDS).toContain(b);
  });

  it("every board has one row in the hw README's table, in table order, naming its export", () => {
    const byBoard = new Map(exportedBoards().map(([exportName, b]) => [b, exportName]));
    expect(readmeRows()).toEqual(BOARDS.map((b) => ({ exportName: byBoard.get(b), name: b.name })));
  });

  it("the README lists every alias", () => {
    const section = readme.slice(readme.indexOf("## Built-in boards"), readme.indexOf("## Custom boards"));
    for (const alias of BOARDS.flatMap((b) => b.aliases)) expect(section, alias).toContain(`\`${alias}\``);
  });
});
