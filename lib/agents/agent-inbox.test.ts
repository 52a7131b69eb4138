import { describe, expect, it } from "vitest";
import { AgentInbox } from "./agent-inbox";

const turn = () => new Promise<void>((r) => setImmediate(r));
const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {}
};

describe("AgentInbox", () => {
  it("handles everything in arrival order", async () => {
    const inbox = new AgentInbox(1000);
    const seen: number[] = [];
    for (let i = 0; i < 100; i++) inbox.push(() => seen.push(i));
    expect(seen).toEqual([]); // not while the socket's read callback runs: on a turn of its own
    await turn();
    await turn();
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(inbox.pending()).toBe(0);
  });

  it("stops a turn at its budget, so other callbacks (an HTTP request's I/O, timers) run between batches", async () => {
    const inbox = new AgentInbox(5);
    const order: string[] = [];
    for (let i = 0; i < 20; i++) inbox.push(() => {
      busy(2);
      order.push(`frame${i}`);
    });
    // What a request waiting for its next turn looks like: queued after the frames.
    setImmediate(() => order.push("request"));
    while (inbox.pending()) await turn();
    const at = order.indexOf("request");
    // Handled in one go, the request would come after all 20 frames (~40 ms of them).
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(6);
    expect(order.filter((o) => o !== "request")).toEqual(Array.from({ length: 20 }, (_, i) => `frame${i}`));
    expect(inbox.yields).toBeGreaterThan(3);
  });

  it("keeps going after a frame's handler throws", async () => {
    const inbox = new AgentInbox(1000);
    const seen: number[] = [];
    const error = console.error;
    console.error = () => {};
    try {
      inbox.push(() => {
        throw new Error("boom");
      });
      inbox.push(() => seen.push(1));
      await turn();
    } finally {
      console.error = error;
    }
    expect(seen).toEqual([1]);
  });

  it("pauses the sockets that send past the high-water mark and resumes them once below the low one", async () => {
    const inbox = new AgentInbox(1000, 10, 3);
    const socket = { paused: 0, resumed: 0, pause() { this.paused++; }, resume() { this.resumed++; } };
    const quiet = { paused: 0, resumed: 0, pause() { this.paused++; }, resume() { this.resumed++; } };
    for (let i = 0; i < 5; i++) inbox.push(() => {}, quiet);
    for (let i = 0; i < 20; i++) inbox.push(() => {}, socket);
    expect(socket.paused).toBe(1); // once, however much more it sends
    expect(quiet.paused).toBe(0);
    expect(socket.resumed).toBe(0);
    await turn();
    expect(inbox.pending()).toBe(0);
    expect(socket.resumed).toBe(1);
  });

  it("drains everything at once when asked (shutdown)", () => {
    const inbox = new AgentInbox(0);
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) inbox.push(() => seen.push(i));
    inbox.drain(true);
    expect(seen).toHaveLength(10);
    expect(inbox.pending()).toBe(0);
  });
});
