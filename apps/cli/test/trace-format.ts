/**
 * A validator of the Chrome trace-event format (the JSON Object Format of the Trace Event Format
 * document, as Perfetto and chrome://tracing read it), for the subset rtos-sim writes: the file
 * is one JSON object with a `traceEvents` array; every event has `name` (string), `ph` (one of
 * the known phases), `ts` (finite number >= 0, microseconds), `pid` and `tid` (integers); "X"
 * events have `dur` >= 0; "C" events have `args` with numeric values; "i" events have `s` in
 * g/p/t when present; "M" events name a process or thread in `args.name` (or give a sort index).
 * Returns the problems found (empty when the file is valid).
 */
export function validateTrace(value: unknown): string[] {
  const problems: string[] = [];
  if (typeof value !== "object" || value === null || Array.isArray(value)) return ["the file is not one JSON object"];
  const events = (value as { traceEvents?: unknown }).traceEvents;
  if (!Array.isArray(events)) return ["traceEvents is not an array"];
  const PHASES = new Set(["B", "E", "X", "i", "I", "C", "M", "b", "e", "n", "s", "t", "f", "P", "O", "N", "D"]);
  events.forEach((e: unknown, i) => {
    const at = `traceEvents[${i}]`;
    if (typeof e !== "object" || e === null) {
      problems.push(`${at} is not an object`);
      return;
    }
    const ev = e as Record<string, unknown>;
    if (typeof ev.name !== "string") problems.push(`${at}.name is not a string`);
    if (typeof ev.ph !== "string" || !PHASES.has(ev.ph))
      problems.push(`${at}.ph ${JSON.stringify(ev.ph)} is not a phase`);
    if (typeof ev.ts !== "number" || !Number.isFinite(ev.ts) || ev.ts < 0) problems.push(`${at}.ts is not a time >= 0`);
    if (typeof ev.pid !== "number" || !Number.isInteger(ev.pid)) problems.push(`${at}.pid is not an integer`);
    if (typeof ev.tid !== "number" || !Number.isInteger(ev.tid)) problems.push(`${at}.tid is not an integer`);
    if (ev.ph === "X" && (typeof ev.dur !== "number" || !Number.isFinite(ev.dur) || ev.dur < 0)) {
      problems.push(`${at}: an X event needs dur >= 0`);
    }
    if (ev.ph === "i" && ev.s !== undefined && ev.s !== "g" && ev.s !== "p" && ev.s !== "t") {
      problems.push(`${at}.s must be g, p or t`);
    }
    if (ev.ph === "C") {
      const args = ev.args as Record<string, unknown> | undefined;
      if (typeof args !== "object" || args === null || Object.keys(args).length === 0)
        problems.push(`${at}: a C event needs args`);
      else
        for (const [k, v] of Object.entries(args))
          if (typeof v !== "number") problems.push(`${at}.args.${k} is not a number`);
    }
    if (ev.ph === "M") {
      const args = ev.args as Record<string, unknown> | undefined;
      const named = typeof args?.name === "string";
      const sorted = typeof args?.sort_index === "number";
      if (!named && !sorted) problems.push(`${at}: an M event needs args.name or args.sort_index`);
    }
    if (ev.args !== undefined && (typeof ev.args !== "object" || ev.args === null))
      problems.push(`${at}.args is not an object`);
  });
  return problems;
}
