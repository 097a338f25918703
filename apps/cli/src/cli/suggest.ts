import type { OptionSpec } from "./command.js";

/** Levenshtein distance between two strings (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The option a user probably meant by an unknown `--word`, or null: the option spelt within two
 * edits of it (`--memchek`), else the one option whose help text has the word (three letters or
 * more, as a whole word, any case: `--html` finds `--report`, "write a self-contained HTML
 * report"). Short options and `--no-` forms are matched by their long name.
 *
 * @example
 * ```ts
 * import { suggestOption } from "./suggest.js";
 * console.log(suggestOption("--html", { report: { type: "string", description: "write a self-contained HTML report" } })); // --report
 * ```
 */
export function suggestOption(option: string, options: Readonly<Record<string, OptionSpec>>): string | null {
  const m = /^--([A-Za-z][\w-]*)$/.exec(option);
  if (m === null) return null;
  const word = m[1]!;
  const names = Object.keys(options);
  const close = names.find((n) => editDistance(n, word) <= 2);
  if (close !== undefined) return `--${close}`;
  if (word.length < 3) return null;
  const pattern = new RegExp(`\\b${word.replace(/[-]/g, "\\-")}\\b`, "i");
  const described = names.filter((n) => pattern.test(options[n]!.description));
  return described.length === 1 ? `--${described[0]!}` : null;
}
