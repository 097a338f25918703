/**
 * What a playground link holds: the app, board, seed and options of a run, and an edited app's
 * source, in the URL's fragment (`#app=flight&board=stm32f407&seed=1&memcheck=1`). The
 * fragment never reaches a server, so a link works from any static file server.
 */
import { findApp } from "@rtos-sim/apps";
import { findBoard } from "@rtos-sim/hw";
import { PlaygroundError } from "./errors.js";

/** The app name that stands for the edited app. */
export const EDITOR_APP = "editor";

/** Longest simulated run the playground accepts, in ms (the CLI's `--duration` limit). */
export const MAX_DURATION_MS = 3_600_000;

/** A run as the page's controls set it, and as a link encodes it. */
export interface PlaygroundState {
  /** A built-in app's name, or {@link EDITOR_APP} for the edited app. */
  readonly app: string;
  /** A board's name (a link may give an alias: it is read as the board's name); null: the app's default board. */
  readonly board: string | null;
  /** Seed of the run's PRNG, 0..2^32-1 (as `--seed`). */
  readonly seed: number;
  /** Simulated duration in ms; null: the app's default (as `--duration`). */
  readonly durationMs: number | null;
  /**
   * The memory checker on (as `--memcheck`) or off (`--no-memcheck`); null: the app's default
   * (as neither flag: on, unless the app turns it off, as `alloc-stress` does).
   */
  readonly memcheck: boolean | null;
  /** The edited app's source (kept when another app is picked, so it is not lost); null: the example. */
  readonly source: string | null;
}

/** The state of a fresh page: `flight` with its defaults (board, duration, checker), seed 1. */
export const DEFAULT_STATE: PlaygroundState = Object.freeze({
  app: "flight",
  board: null,
  seed: 1,
  durationMs: null,
  memcheck: null,
  source: null,
});

function toBase64Url(text: string): string {
  let bin = "";
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): string {
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/**
 * The URL fragment (without `#`) for a state; fields at their default are left out.
 *
 * @example
 * ```ts
 * import { DEFAULT_STATE, encodeState } from "@rtos-sim/playground";
 * console.log(encodeState({ ...DEFAULT_STATE, app: "isolation", seed: 7 })); // app=isolation&seed=7
 * ```
 */
export function encodeState(s: PlaygroundState): string {
  const p = new URLSearchParams();
  p.set("app", s.app);
  if (s.board !== null) p.set("board", s.board);
  if (s.seed !== DEFAULT_STATE.seed) p.set("seed", String(s.seed));
  if (s.durationMs !== null) p.set("duration", String(s.durationMs));
  if (s.memcheck !== null) p.set("memcheck", s.memcheck ? "1" : "0");
  if (s.source !== null) p.set("src", toBase64Url(s.source));
  return p.toString();
}

const bad = (field: string, value: string, why: string) =>
  new PlaygroundError("BAD_STATE", `link: ${field} "${value.slice(0, 40)}" ${why}`, { field, value });

/**
 * The state a URL fragment (with or without `#`) encodes; missing fields take their defaults, and
 * a board's alias is read as its name.
 * Throws {@link PlaygroundError} `BAD_STATE` naming the field for an unknown app or board, a
 * seed outside 0..2^32-1, a duration outside 1..3600000 ms, or a source that is not base64url
 * UTF-8.
 */
export function decodeState(fragment: string): PlaygroundState {
  const p = new URLSearchParams(fragment.replace(/^#/, ""));
  const app = p.get("app") ?? DEFAULT_STATE.app;
  if (app !== EDITOR_APP && !findApp(app)) throw bad("app", app, "is not a built-in app (nor editor)");
  const boardText = p.get("board");
  // An alias (`pico2`) is read as the board's name, which the page's board list holds.
  const board = boardText === null ? null : (findBoard(boardText)?.name ?? null);
  if (boardText !== null && board === null) throw bad("board", boardText, "is not a built-in board");
  const seedText = p.get("seed");
  const seed = seedText === null ? DEFAULT_STATE.seed : Number(seedText);
  if (seedText !== null && !(/^\d+$/.test(seedText) && seed <= 0xffffffff)) {
    throw bad("seed", seedText, "must be an integer in 0..4294967295");
  }
  const durationText = p.get("duration");
  const durationMs = durationText === null ? null : Number(durationText);
  if (
    durationText !== null &&
    !(/^\d+(\.\d+)?$/.test(durationText) && durationMs! >= 1 && durationMs! <= MAX_DURATION_MS)
  ) {
    throw bad("duration", durationText, `must be a number of ms in 1..${MAX_DURATION_MS}`);
  }
  const memcheckText = p.get("memcheck");
  if (memcheckText !== null && memcheckText !== "0" && memcheckText !== "1") {
    throw bad("memcheck", memcheckText, "must be 0 or 1");
  }
  const src = p.get("src");
  let source: string | null = null;
  if (src !== null) {
    try {
      source = fromBase64Url(src);
    } catch {
      throw bad("src", src, "is not an app's source (base64url of UTF-8 text)");
    }
  }
  const memcheck = memcheckText === null ? null : memcheckText === "1";
  return { app, board, seed, durationMs, memcheck, source };
}
