import { describe, expect, it } from "vitest";
import { AnswerWatch, STUCK_MS } from "./answer-watch.js";
import type { FromWorker } from "./protocol.js";

const update = (id: number, running: boolean): FromWorker =>
  ({ id, type: "update", running, delta: {} }) as unknown as FromWorker;
const loaded = (id: number): FromWorker => ({ id, type: "loaded" }) as unknown as FromWorker;

describe("AnswerWatch", () => {
  it("a pause unanswered for STUCK_MS is stuck; one answered in time is not", () => {
    const w = new AnswerWatch();
    expect(w.stuck(1e9)).toBe(false); // nothing asked
    w.sent({ type: "pause" }, true, 1000);
    expect(w.waiting).toBe(true);
    expect(w.stuck(1000 + STUCK_MS - 1)).toBe(false);
    expect(w.stuck(1000 + STUCK_MS)).toBe(true);
    w.heard(update(1, false), true, 1000 + STUCK_MS + 1);
    expect([w.waiting, w.stuck(1e9)]).toEqual([false, false]);
  });

  it("a steppable run is a wait renewed by every update; its end (update with running false) ends it", () => {
    const w = new AnswerWatch(100);
    w.sent({ type: "run" }, true, 0);
    w.heard(update(1, true), true, 90);
    w.heard(update(1, true), true, 180);
    expect(w.stuck(279)).toBe(false);
    expect(w.stuck(280)).toBe(true); // 100 ms since the last update
    w.heard(update(1, false), true, 300);
    expect(w.stuck(1e9)).toBe(false);
  });

  it("a run of an app that cannot pause is not a wait; Pause during it is", () => {
    const w = new AnswerWatch(100);
    w.sent({ type: "run" }, false, 0);
    expect([w.waiting, w.stuck(1e9)]).toEqual([false, false]);
    w.sent({ type: "pause" }, false, 500);
    expect(w.stuck(599)).toBe(false);
    expect(w.stuck(600)).toBe(true);
  });

  it("a message of an older load renews the wait without ending it; a load ends when its own answer comes", () => {
    const w = new AnswerWatch(100);
    w.sent({ type: "load", id: 2, state: {} as never }, false, 0);
    w.heard(update(1, true), false, 80); // load 1's last update, still in flight
    expect(w.stuck(179)).toBe(false);
    expect(w.stuck(180)).toBe(true);
    w.heard(loaded(2), true, 190);
    expect(w.waiting).toBe(false);
  });

  it("a second request keeps the first one's start; reset forgets the wait", () => {
    const w = new AnswerWatch(100);
    w.sent({ type: "step", by: "ms" }, true, 0);
    w.sent({ type: "step", by: "switch" }, true, 50);
    expect(w.stuck(100)).toBe(true);
    w.reset();
    expect([w.waiting, w.stuck(1e9)]).toEqual([false, false]);
  });
});
