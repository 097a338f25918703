/** The app editor: a plain textarea with a line-number gutter that can mark the line of an error. */

/** The editor's elements and operations. */
export interface Editor {
  value(): string;
  setValue(text: string): void;
  /** Marks a line (1-based) as the error's, or clears the mark (null). */
  markLine(line: number | null): void;
  /** Puts the caret at the start of a line and scrolls to it. */
  goTo(line: number): void;
}

/** Wires the textarea and its gutter; `onInput` is called after each edit. */
export function makeEditor(area: HTMLTextAreaElement, gutter: HTMLElement, onInput: () => void): Editor {
  let marked: number | null = null;
  const drawGutter = () => {
    const n = area.value.split("\n").length;
    let html = "";
    for (let i = 1; i <= n; i++) html += i === marked ? `<span class="error">${i}</span>\n` : `${i}\n`;
    gutter.innerHTML = html;
    gutter.scrollTop = area.scrollTop;
  };
  area.addEventListener("input", () => {
    drawGutter();
    onInput();
  });
  area.addEventListener("scroll", () => {
    gutter.scrollTop = area.scrollTop;
  });
  // Tab indents (two spaces) instead of leaving the editor; Escape then Tab leaves it (a
  // keyboard user is not trapped: Shift+Tab leaves backwards in any case).
  let escaped = false;
  area.addEventListener("blur", () => {
    escaped = false;
  });
  area.addEventListener("keydown", (e) => {
    const wasEscaped = escaped;
    escaped = e.key === "Escape";
    if (e.key !== "Tab" || e.shiftKey || e.ctrlKey || e.metaKey || e.altKey || wasEscaped) return;
    e.preventDefault();
    area.setRangeText("  ", area.selectionStart, area.selectionEnd, "end");
    area.dispatchEvent(new Event("input"));
  });
  return {
    value: () => area.value,
    setValue(text) {
      area.value = text;
      drawGutter();
    },
    markLine(line) {
      marked = line;
      drawGutter();
    },
    goTo(line) {
      const lines = area.value.split("\n");
      const at = lines.slice(0, Math.max(0, line - 1)).reduce((n, l) => n + l.length + 1, 0);
      area.focus();
      area.setSelectionRange(at, at + (lines[line - 1]?.length ?? 0));
      const lineHeight = area.scrollHeight / Math.max(1, lines.length);
      area.scrollTop = Math.max(0, (line - 4) * lineHeight);
    },
  };
}
