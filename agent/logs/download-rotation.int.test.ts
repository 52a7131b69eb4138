// Downloads while the log rotates fast: a real process floods a LogSink with small files, and
// downloads read it meanwhile. Each download is the log as it stood when it began, or says
// where rotation took lines away before it got to them: never a silent gap.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { logDownloadStream } from "../../lib/apps/log-download";
import { ok } from "../../lib/protocol";
import { closeFd, pipe } from "../native";
import { LogSink } from "./log-sink";
import { readRange } from "./read-positions";

const dir = mkdtempSync(path.join(tmpdir(), "stoker-dlrot-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function download(chunkBytes: number): Promise<string> {
  const stream = await logDownloadStream(async (fromSeq, untilSeq) => ok(await readRange(dir, fromSeq, chunkBytes, untilSeq)));
  if (!stream.ok) throw new Error(stream.message);
  return new Response(stream.value).text();
}

type Tally = { lines: number; noted: number; silentGaps: number; torn: number; outOfOrder: number };

function check(text: string): Tally {
  const t: Tally = { lines: 0, noted: 0, silentGaps: 0, torn: 0, outOfOrder: 0 };
  let last = -1;
  let noteSeen = false;
  for (const line of text.split("\n").slice(0, -1)) {
    if (line.includes("[stoker]")) {
      if (line.includes("rotated away while it was being downloaded")) {
        t.noted++;
        noteSeen = true;
      }
      continue;
    }
    const m = /^\S+ \d+ out n (\d+) x{100}$/.exec(line);
    if (!m) {
      t.torn++;
      continue;
    }
    const n = Number(m[1]);
    t.lines++;
    if (last >= 0 && n <= last) t.outOfOrder++;
    if (last >= 0 && n > last + 1 && !noteSeen) t.silentGaps++;
    last = n;
    noteSeen = false;
  }
  return t;
}

describe("a log download while the log rotates", () => {
  it("is a snapshot, or names what rotation took before it got there", async () => {
    const sink = new LogSink(dir, { fileBytes: 256 << 10, totalBytes: 1 << 20 });
    await sink.settled();
    const script = `let i = 0; const pad = "x".repeat(100); const until = Date.now() + 4000; function burst() { let s = ""; for (let k = 0; k < 500; k++) s += "n " + i++ + " " + pad + "\\n"; process.stdout.write(s); if (Date.now() < until) setTimeout(burst, 2); } burst();`;
    const [outR, outW] = pipe();
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", outW, "ignore"] });
    closeFd(outW);
    const ended = sink.attach(outR, child.pid ?? 0, "out");
    // Downloads begin once the flood has stored half a megabyte (a node start
    // takes seconds on a loaded machine: a fixed wait downloaded an empty log).
    const deadline = Date.now() + 30_000;
    while ((await readRange(dir, 0, 1)).end < 512 << 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const tallies: Tally[] = [];
    // Big chunks finish before the files rotate; small ones are overtaken by rotation.
    for (const chunk of [1 << 20, 64 << 10, 8 << 10, 64 << 10, 8 << 10, 2 << 10]) {
      const text = await download(chunk);
      tallies.push(check(text));
    }
    await ended;
    sink.close();
    const sum = (k: keyof Tally) => tallies.reduce((s, t) => s + t[k], 0);
    console.log(
      `[rotation during download] ${tallies.length} downloads, ${sum("lines")} lines, ${sum("noted")} gaps named, ${sum("silentGaps")} silent gaps, ${sum("torn")} torn, ${sum("outOfOrder")} out of order`,
    );
    // Every download read real lines. How many depends on how fast the writer ran and the log was
    // stored against how fast the download read (CI shares 2 cores): the 2 KiB-chunk download,
    // overtaken by rotation again and again, read 18-180 lines in runs where every line it did read
    // was whole, in order, and every gap was named; a fixed floor of 100 failed 1 run in 4 on main.
    console.log(`[per download] lines/gaps named: ${tallies.map((t) => `${t.lines}/${t.noted}`).join(" ")}`);
    for (const t of tallies) expect(t.lines).toBeGreaterThan(0);
    expect(sum("silentGaps")).toBe(0);
    expect(sum("torn")).toBe(0);
    expect(sum("outOfOrder")).toBe(0);
    expect(sum("noted")).toBeGreaterThan(0); // rotation did overtake the small-chunk downloads
  }, 60_000);
});
