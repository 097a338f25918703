import { AccessKind, ActorMode, actorMode, actorTask, makeActor, withActorMode } from "@rtos-sim/hw";
import { describe, expect, it } from "vitest";
import { AllocatorAccess, allocatorTag } from "./port.js";
import { f407 } from "./test-pages.js";
import { TlsfAllocator } from "./tlsf.js";

describe("AllocatorAccess", () => {
  it("computes the allocator tag exactly as hw's withActorMode", () => {
    for (const mode of [ActorMode.Kernel, ActorMode.Allocator, ActorMode.User])
      for (const task of [0, 1, 7, 0x3fffffff])
        expect(allocatorTag(makeActor(mode, task))).toBe(withActorMode(makeActor(mode, task), ActorMode.Allocator));
  });

  it("tags metadata accesses as the allocator's, keeps the task bits, nests, and restores the caller", () => {
    const { m } = f407();
    const task = makeActor(ActorMode.User, 7);
    m.core.actor = task;
    const access = new AllocatorAccess(m.core);
    access.enter();
    expect(actorMode(m.core.actor)).toBe(ActorMode.Allocator);
    expect(actorTask(m.core.actor)).toBe(7);
    access.enter();
    access.leave();
    expect(actorMode(m.core.actor)).toBe(ActorMode.Allocator);
    expect(access.callerActor).toBe(task);
    access.leave();
    expect(m.core.actor).toBe(task);
  });

  it("switches only while the actor is observed (a hook on the core, or a port that cannot tell)", () => {
    const { m } = f407();
    const access = new AllocatorAccess(m.core);
    expect(access.switching).toBe(false);
    m.core.hook = { onAccess: () => {} };
    expect(access.switching).toBe(true);
    m.core.hook = null;
    expect(access.switching).toBe(false);
    const plain = {
      actor: 0,
      read8: () => 0,
      read16: () => 0,
      read32: () => 0,
      write8() {},
      write16() {},
      write32() {},
    };
    expect(new AllocatorAccess(plain).switching).toBe(true);
  });

  it("an allocator's accesses carry Allocator mode, and a failing call restores the caller's tag", () => {
    const { m, rm } = f407();
    const task = makeActor(ActorMode.User, 2);
    const seen: number[] = [];
    m.core.hook = {
      onAccess: (_a, _s, kind, _p, actor) => {
        if (kind !== AccessKind.Fetch) seen.push(actor);
      },
    };
    const tlsf = new TlsfAllocator({ pages: rm, memory: m.core, region: "SRAM1" });
    m.core.actor = task;
    const p = tlsf.allocate(32)!;
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([makeActor(ActorMode.Allocator, 2)]));
    expect(m.core.actor).toBe(task);
    expect(() => tlsf.free(p + 8)).toThrow(expect.objectContaining({ code: "INVALID_FREE" }));
    expect(m.core.actor).toBe(task);
  });
});
