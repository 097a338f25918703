/**
 * The app the editor starts with: the kernel app of docs/writing-an-app.md (a worker printing
 * through the kernel and a rogue task reading the kernel's memory, whose fault is expected),
 * with the checker on by default.
 */
export const EXAMPLE_APP = `import type { AppDescription } from "@rtos-sim/kernel";

// A kernel app (docs/writing-an-app.md): each task is a generator making syscalls (yield* t.x()).
// Try a bug: after t.writeString(...), add  t.write32(p + 32, 1);  (one word past the block)
// and run with the checker on: it reports a heap-buffer-overflow.
const app: AppDescription & { expectFault(f: { task: string }): boolean } = {
  name: "my-app",
  description: "a worker and a rogue task on the kernel",
  durationMs: 50,
  tasks: (env) => [
    {
      name: "worker",
      *main(t) {
        for (let i = 0; i < 5; i++) {
          const p = yield* t.malloc(32);
          t.writeString(p, \`tick \${i}\\n\`);
          yield* t.print(p, 6);
          yield* t.free(p);
          yield* t.sleep({ ms: 5 });
        }
      },
    },
    {
      name: "rogue",
      *main(t) {
        yield* t.sleep({ ms: 10 });
        t.read32(env.kernelBlock.base); // MemManage: the kernel's memory is privileged
      },
    },
  ],
  expectFault: (f) => f.task === "rogue",
};

export default app;
`;
