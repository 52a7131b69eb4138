// A full disk under the app logs: a real process floods its pipe into a LogSink whose directory is on
// a 30 MB tmpfs. Nothing stalls, every line is either stored whole or counted in a "lines dropped:
// disk full" note, and storing resumes by itself once space returns.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeFd, pipe } from "../native";
import { LogSink } from "./log-sink";
import { onStorageChange, storageFacts } from "./log-storage-status";

const LINES = 120_000;

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check(); ) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}
const PAD = "x".repeat(180);
let mnt = "";

beforeAll(() => {
  mnt = mkdtempSync(path.join(tmpdir(), "stoker-diskfull-"));
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", "size=30m", "tmpfs", mnt]);
  if (r.status !== 0) throw new Error(`mount tmpfs: ${r.stderr}`);
});

afterAll(() => {
  spawnSync("umount", [mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

describe("app logs on a full disk", () => {
  it("count what they cannot store, mark it, never tear a line, and resume when space returns", async () => {
    const filler = path.join(mnt, "filler");
    writeFileSync(filler, Buffer.alloc(18 << 20)); // another program's file: 18 of 30 MB
    const dir = path.join(mnt, "logs", "app");
    const sink = new LogSink(dir, { fileBytes: 2 << 20, totalBytes: 64 << 20 });
    const states: boolean[] = [];
    const stopWatching = onStorageChange(() => states.push(storageFacts().full));
    let stored = 0;
    let torn = 0;
    const notes: string[] = [];
    sink.onBatch((batch) => {
      for (const line of batch.lines()) {
        if (line.pid === 0) notes.push(line.text);
        else if (/^line \d+ x{180}$/.test(line.text)) stored++;
        else torn++;
      }
    });
    // The writer: ~22 MB of numbered lines at ~30 MB/s, more than fits.
    const script = `let i = 0; const pad = "${PAD}"; function burst() { let s = ""; for (let k = 0; k < 2000 && i < ${LINES}; k++) s += "line " + i++ + " " + pad + "\\n"; process.stdout.write(s); if (i < ${LINES}) setTimeout(burst, 10); } burst();`;
    const [outR, outW] = pipe();
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", outW, "ignore"] });
    closeFd(outW);
    const startedAt = Date.now();
    const ended = sink.attach(outR, child.pid ?? 0, "out");
    // Space returns once the disk has been full for a while.
    await waitFor(() => storageFacts().full, 20_000);
    const fullAt = Date.now();
    await new Promise((r) => setTimeout(r, 1500));
    rmSync(filler);
    await ended;
    const writerMs = Date.now() - startedAt;
    // No more output comes: the outage still ends, and its note is written, by the retry alone.
    await waitFor(() => !storageFacts().full, 10_000);
    await sink.settled();
    stopWatching();
    const dropped = notes.map((n) => /(\d+) lines dropped: disk full/.exec(n)).reduce((sum, m) => sum + (m ? Number(m[1]) : 0), 0);
    console.log(`[disk full] written ${LINES} lines; stored ${stored}, marked dropped ${dropped}, lost ${LINES - stored - dropped}, torn ${torn}; full after ${fullAt - startedAt} ms; writer done in ${writerMs} ms`);
    expect(torn).toBe(0);
    expect(dropped).toBeGreaterThan(0);
    expect(stored + dropped).toBe(LINES); // nothing lost silently
    expect(states[0]).toBe(true); // said full, then back
    expect(states.at(-1)).toBe(false);
    expect(storageFacts().droppedLines).toBe(dropped);
    expect(writerMs).toBeLessThan(20_000); // ~4 s of output: the writer never waited on the full disk
    sink.close();
  }, 60_000);
});
