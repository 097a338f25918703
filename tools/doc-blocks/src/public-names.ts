import { readFileSync } from "node:fs";
import { relative } from "node:path";
import ts from "typescript";
import { workspaceSources } from "./typecheck.js";

/**
 * The names each workspace package exports from its entry (`export { a, type B } from ...` and
 * exported declarations of its index.ts), by the package's directory relative to the root
 * (`packages/hw`): what a user can import.
 */
export function publicNames(root: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const source of Object.values(workspaceSources(root))) {
    const dir = relative(root, source).split("/").slice(0, 2).join("/");
    const names = new Set<string>();
    const sf = ts.createSourceFile(source, readFileSync(source, "utf8"), ts.ScriptTarget.Latest, true);
    for (const st of sf.statements) {
      if (ts.isExportDeclaration(st) && st.exportClause && ts.isNamedExports(st.exportClause)) {
        for (const e of st.exportClause.elements) names.add(e.name.text);
      } else if (ts.canHaveModifiers(st) && ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
        if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) names.add(d.name.getText(sf));
        else if ("name" in st && st.name && ts.isIdentifier(st.name as ts.Node))
          names.add((st.name as ts.Identifier).text);
      }
    }
    out.set(dir, names);
  }
  return out;
}
