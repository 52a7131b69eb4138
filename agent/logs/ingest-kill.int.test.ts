// The log ingest SIGKILLed at random instants while a process writes numbered lines into its pipe,
// again and again, each time a new reader taking the same pipe over (as the log keeper and the next
// agent do): every line is stored exactly once and whole. A kill between taking bytes out of the
// pipe and storing them loses them: nobody else can see them any more.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tallyChattyLines } from "../../test/faults/fault-support";
import { closeFd, pipe } from "../native";
import { noteLine } from "./line-shape";
import { LogStore } from "./log-store";

const ROOT = path.resolve(import.meta.dirname, "../..");
const KILLS = 60;
// Lines as the chatty fixture writes them (one write(2) each), about 10,000 a second.
const WRITER = `const fs = require("node:fs"); const pad = "p".repeat(150); let n = 0; setInterval(() => { for (let i = 0; i < 10; i++) fs.writeSync(1, "tick " + process.pid + " " + n++ + " " + pad + "\\n"); }, 1);`;

// The same lines, 3,000 of them over about 1.5 s, then it exits.
const FINITE_WRITER = `const fs = require("node:fs"); const pad = "p".repeat(150); let n = 0; const t = setInterval(() => { for (let i = 0; i < 20; i++) fs.writeSync(1, "tick " + process.pid + " " + n++ + " " + pad + "\\n"); if (n >= 3000) clearInterval(t); }, 10);`;

const dir = mkdtempSync(path.join(tmpdir(), "stoker-ingest-kill-"));
const reader = path.join(dir, "log-reader.cjs");
const started: ChildProcess[] = [];

beforeAll(async () => {
  // Bundled: a reader starts in a fraction of a second, so the kills come many times a second.
  await build({ entryPoints: [path.join(ROOT, "test/fixtures/log-reader.ts")], bundle: true, platform: "node", format: "cjs", target: "node20", outfile: reader, external: ["koffi"], logLevel: "warning" });
}, 60_000);

afterAll(() => {
  for (const p of started) p.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

function startReader(logDir: string, pid: number, fd: number): { proc: ChildProcess; reading: Promise<void> } {
  const proc = spawn(process.execPath, [reader, logDir, String(pid)], { stdio: ["ignore", "pipe", "inherit", fd], env: { ...process.env, NODE_PATH: path.join(ROOT, "node_modules") } });
  started.push(proc);
  const reading = new Promise<void>((resolve, reject) => {
    proc.stdout?.once("data", () => resolve());
    proc.once("exit", (code) => reject(new Error(`the reader exited (${code}) before it read`)));
  });
  return { proc, reading };
}

const exited = (proc: ChildProcess) => new Promise<void>((r) => (proc.exitCode !== null || proc.signalCode ? r() : proc.once("exit", () => r())));

describe("the log ingest SIGKILLed while it reads", () => {
  it(`stores every line once and whole through ${KILLS} kills at random instants`, async () => {
    const logDir = path.join(dir, "logs");
    const [outR, outW] = pipe();
    const writer = spawn(process.execPath, ["-e", WRITER], { stdio: ["ignore", outW, "inherit"] });
    started.push(writer);
    closeFd(outW);
    const pid = writer.pid ?? 0;
    for (let i = 0; i < KILLS; i++) {
      const r = startReader(logDir, pid, outR);
      await r.reading;
      await new Promise((res) => setTimeout(res, Math.random() * 100));
      r.proc.kill("SIGKILL");
      await exited(r.proc);
    }
    writer.kill("SIGKILL"); // one write(2) per line: a killed writer leaves no half line in the pipe
    await exited(writer);
    const last = startReader(logDir, pid, outR);
    closeFd(outR);
    await exited(last.proc);
    const tally = tallyChattyLines(logDir);
    console.log(`[ingest SIGKILLed ${KILLS} times] lines stored ${tally.lines}, lost ${tally.lost}, duplicated ${tally.duplicated}, torn ${tally.torn}`);
    expect(last.proc.exitCode).toBe(0);
    expect(tally.lines).toBeGreaterThan(KILLS * 100);
    expect({ lost: tally.lost, duplicated: tally.duplicated, torn: tally.torn }).toEqual({ lost: 0, duplicated: 0, torn: 0 });
  }, 120_000);

  // LogStore writes at its own offset (splice cannot move into an O_APPEND file): a second writer
  // opening the log while the first still writes would put its lines where the first then writes
  // its next batch. The agent and its log keeper take turns on the same files; the turn is a lock.
  it("a second writer of the same log waits until the first lets go, and writes after its last line", async () => {
    const logDir = path.join(dir, "shared");
    const [outR, outW] = pipe();
    const writer = spawn(process.execPath, ["-e", FINITE_WRITER], { stdio: ["ignore", outW, "inherit"] });
    started.push(writer);
    closeFd(outW);
    const first = startReader(logDir, writer.pid ?? 0, outR);
    closeFd(outR);
    await first.reading;
    await new Promise((res) => setTimeout(res, 300)); // it has stored lines and goes on storing
    const t0 = performance.now();
    const second = new LogStore(logDir); // opens once the first reader has stored the last line and exited
    const waitedMs = performance.now() - t0;
    second.write(0, "err", noteLine("the second writer"));
    second.close();
    await exited(first.proc);
    const tally = tallyChattyLines(logDir);
    const text = readFileSync(path.join(logDir, "app.log"), "latin1");
    console.log(`[two writers] the second waited ${Math.round(waitedMs)} ms; lines stored ${tally.lines}, lost ${tally.lost}, torn ${tally.torn}`);
    expect(first.proc.exitCode).toBe(0);
    expect({ lines: tally.lines, lost: tally.lost, duplicated: tally.duplicated, torn: tally.torn }).toEqual({ lines: 3000, lost: 0, duplicated: 0, torn: 0 });
    expect(text.endsWith(noteLine("the second writer"))).toBe(true);
  }, 60_000);
});
