// The live tail's followers: one control-plane process follows until it says otherwise; a replica's
// follow is a lease that runs out unless renewed, so a replica that died does not leave it on.
import { afterEach, expect, it, vi } from "vitest";
import { type BatchSource, LogBatch } from "./log-batch";
import { LogService } from "./log-service";

function setup() {
  const listeners: ((b: LogBatch) => void)[] = [];
  const source: BatchSource = {
    onBatch: (l) => {
      listeners.push(l);
      return () => listeners.splice(listeners.indexOf(l), 1);
    },
  };
  const service = new LogService();
  const sent: string[] = [];
  service.setSender((_appId, lines) => sent.push(...lines.map((l) => l.text)));
  service.attach("a1", source);
  let seq = 0;
  const write = (text: string) => {
    const bytes = Buffer.from(`${text}\n`);
    for (const l of listeners) l(new LogBatch(new Date().toISOString(), 42, "out", bytes, seq));
    seq += bytes.length;
  };
  return { service, sent, write };
}

afterEach(() => {
  vi.useRealTimers();
});

it("ends a replica's follow when its lease runs out, and keeps it while renewed", async () => {
  vi.useFakeTimers();
  const { service, sent, write } = setup();
  service.follow("a1", true, "replica-b");
  write("one");
  await vi.advanceTimersByTimeAsync(100);
  expect(sent).toEqual(["one"]);
  // Renewed within the lease: still on.
  await vi.advanceTimersByTimeAsync(50_000);
  service.follow("a1", true, "replica-b");
  await vi.advanceTimersByTimeAsync(50_000);
  write("two");
  await vi.advanceTimersByTimeAsync(100);
  expect(sent).toEqual(["one", "two"]);
  // Not renewed (the replica died): off after the lease.
  await vi.advanceTimersByTimeAsync(61_000);
  write("three");
  await vi.advanceTimersByTimeAsync(100);
  expect(sent).toEqual(["one", "two"]);
});

it("keeps one process's follow (no replica) until it is turned off", async () => {
  vi.useFakeTimers();
  const { service, sent, write } = setup();
  service.follow("a1", true);
  await vi.advanceTimersByTimeAsync(10 * 60_000);
  write("still");
  await vi.advanceTimersByTimeAsync(100);
  expect(sent).toEqual(["still"]);
  service.follow("a1", false);
  write("off");
  await vi.advanceTimersByTimeAsync(100);
  expect(sent).toEqual(["still"]);
});
