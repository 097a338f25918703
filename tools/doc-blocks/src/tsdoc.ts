import ts from "typescript";
import { type DocBlock, DocBlockError, extractBlocks } from "./blocks.js";

/** A ```ts block of an `@example`, with the declaration it documents. */
export interface ExampleBlock extends DocBlock {
  /** The documented declaration's name; a member's is its container's (`Kernel` for `Kernel.run`). */
  readonly declaration: string;
}

/**
 * The `@example` sections of the TSDoc comments of a source file's exported declarations, as
 * Markdown text with the file's line numbers: one line of text per line of the file, the
 * comment's ` * ` margin removed, every line outside an `@example` section blank.
 */
export function exampleMarkdown(file: string, source: string): string {
  return examplesOf(file, source).markdown;
}

/** The examples' Markdown text (see {@link exampleMarkdown}) and the declaration documented at each line. */
function examplesOf(file: string, source: string): { markdown: string; declarations: Map<number, string> } {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: string[] = source.split("\n").map(() => "");
  const declarations = new Map<number, string>();
  for (const { doc, name } of exportedDocComments(sf)) {
    const first = sf.getLineAndCharacterOfPosition(doc.getStart(sf)).line;
    const lines = doc.getText(sf).split("\n");
    let example: { line: number; blocks: number } | null = null;
    const close = () => {
      if (example && example.blocks === 0) {
        throw new DocBlockError(
          `${file}:${example.line}`,
          "an @example without a ```ts block: it would not be checked",
        );
      }
    };
    let inFence = false;
    lines.forEach((raw, i) => {
      const text = uncomment(raw, i === 0, i === lines.length - 1);
      if (!inFence && /^@\w+/.test(text)) {
        close();
        example = /^@example\b/.test(text) ? { line: first + i + 1, blocks: 0 } : null;
      }
      if (/^\s*```/.test(text)) inFence = !inFence;
      if (example) {
        if (/^```ts\s*$/.test(text)) example.blocks++;
        out[first + i] = text.replace(/^@example\b\s*/, "");
        declarations.set(first + i + 1, name);
      }
    });
    close();
  }
  return { markdown: out.join("\n"), declarations };
}

/**
 * The ```ts blocks of the `@example` sections of a source file's exported declarations, each
 * named by the source file and its line, read with the Markdown conventions (`check:` comments
 * before the fence, output comments and a ```text block after it); a block that needs hidden
 * code first (a prelude) is refused: a user copies the example, so it is written whole.
 */
export function extractExamples(file: string, source: string): ExampleBlock[] {
  const { markdown, declarations } = examplesOf(file, source);
  return extractBlocks(file, markdown).map((b) => {
    if (b.prelude.lines.length > 0) {
      throw new DocBlockError(
        `${file}:${b.prelude.lines[0]! - 1}`,
        "an @example has no hidden prelude: write its imports and set-up in the example, as a user would",
      );
    }
    // Checked beside its source file, so that an internal declaration's example (contributors'
    // documentation: the docs site shows public names only) may import it by relative path.
    const asFile = b.asFile ?? file.replace(/\.ts$/, `.example-L${b.fenceLine}.ts`);
    return { ...b, asFile, declaration: declarations.get(b.fenceLine) ?? "" };
  });
}

/** One line of a `/** ... *\/` comment without its delimiters and its ` * ` margin. */
function uncomment(line: string, first: boolean, last: boolean): string {
  let text = line;
  if (first) text = text.replace(/^\s*\/\*\*\s?/, "");
  if (last) text = text.replace(/\s*\*\/\s*$/, "");
  if (!first) text = text.replace(/^\s*\*(?: |$)/, "");
  return text.trimEnd();
}

/** The TSDoc comments of the exported declarations of a file (members of exported classes and interfaces included). */
function exportedDocComments(sf: ts.SourceFile): { doc: ts.JSDoc; name: string }[] {
  const docs = new Map<number, { doc: ts.JSDoc; name: string }>();
  const visit = (node: ts.Node) => {
    for (const doc of ts.getJSDocCommentsAndTags(node)) {
      if (!ts.isJSDoc(doc)) continue;
      if (/@packageDocumentation\b/.test(doc.getText(sf))) docs.set(doc.pos, { doc, name: "" });
      else if (isExported(node)) docs.set(doc.pos, { doc, name: declarationName(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return [...docs.values()];
}

/** The name of a declaration, or of the class, interface or enum it is a member of. */
function declarationName(node: ts.Node): string {
  let at: ts.Node = node;
  if (
    !ts.isVariableDeclaration(at) &&
    at.parent &&
    !ts.isSourceFile(at.parent) &&
    !ts.isVariableDeclarationList(at.parent)
  ) {
    at = ts.isTypeLiteralNode(at.parent) ? at.parent.parent : at.parent;
  }
  if (ts.isVariableStatement(at)) at = at.declarationList.declarations[0]!;
  const name = (at as { name?: ts.Node }).name;
  return name && ts.isIdentifier(name) ? name.text : ts.isExportAssignment(at) ? "default" : "";
}

/** Whether a declaration is exported, or is a member of an exported class, interface or enum. */
function isExported(node: ts.Node): boolean {
  if (ts.isVariableDeclaration(node)) return isExported(node.parent.parent);
  if (ts.canHaveModifiers(node) && ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
    return true;
  }
  if (ts.isExportAssignment(node) || ts.isExportDeclaration(node)) return true;
  const parent = node.parent;
  const member =
    ts.isClassElement(node) || ts.isTypeElement(node) || ts.isEnumMember(node) || ts.isPropertyAssignment(node);
  if (
    member &&
    parent &&
    (ts.isClassLike(parent) || ts.isInterfaceDeclaration(parent) || ts.isEnumDeclaration(parent))
  ) {
    return isExported(parent);
  }
  // A member of an exported type alias's object type.
  if (member && parent && ts.isTypeLiteralNode(parent) && ts.isTypeAliasDeclaration(parent.parent)) {
    return isExported(parent.parent);
  }
  return false;
}
