// The agent SIGKILLed under load (a standalone agent, `--config`), and away for a while: the app behind a real nginx keeps answering
// (its output does not stall it: the log keeper stores it meanwhile), no line is lost, and the next
// agent adopts the same processes with none stopped or orphaned.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RUN_AS } from "../support/fixture-apps";
import { startLoad } from "../support/load";
import { type NginxFront, startNginxFront } from "../support/nginx-front";
import { stopKeeper } from "../support/stack";
import { type Agent, CHATTY, killAll, processesWith, runningPids, startAgent, tallyChattyLines } from "./fault-support";

const OUTAGE_MS = Number(process.env.STOKER_FAULT_OUTAGE_MS ?? 30_000);
const dir = mkdtempSync(path.join(tmpdir(), "stoker-fault-outage-"));
chmodSync(dir, 0o755);
const marker = `STOKER_FAULT_RUN=${randomBytes(6).toString("hex")}`;
const agents: Agent[] = [];
let nginx: NginxFront | null = null;

afterAll(async () => {
  for (const a of agents) a.proc.kill("SIGKILL");
  await nginx?.stop();
  stopKeeper(path.join(dir, "state")); // first: with no agent, it replaces app processes that exit
  killAll(processesWith(marker).map((p) => p.pid)); // the app
  rmSync(dir, { recursive: true, force: true });
});

// `npm test` measures a 30 s outage under `npm start` (stack-faults.int.test.ts, with this chatty app
// beside a recycling php-cgi); this standalone variant is the soak's, in vitest's "soak" project that
// `npm test` does not run: bench/agent-outage-soak.mjs (STOKER_FAULT_OUTAGE_MS=600000), or by hand
// with `npx vitest run --project soak`.
describe("an agent outage under load", () => {
  it(`keeps the app serving and every line stored through a SIGKILL and ${OUTAGE_MS / 1000} s away`, async () => {
    const stateDir = path.join(dir, "state");
    const sock = path.join(dir, "chatty.sock");
    const config = path.join(dir, "apps.json");
    const [key, value] = marker.split("=");
    writeFileSync(
      config,
      JSON.stringify({
        apps: [{ name: "chatty", command: [process.execPath, CHATTY], env: { [key]: value }, processes: 2, socket: { path: sock }, ...RUN_AS }],
      }),
    );
    agents.push(startAgent(config, stateDir, dir));
    const before = await runningPids(stateDir, "chatty", 2).catch((e) => {
      throw new Error(`${e}\n${agents[0].output()}`);
    });
    nginx = await startNginxFront({ socket: `unix:${sock}` });
    const load = startLoad({ url: `${nginx.url}/`, concurrency: 2, durationMs: OUTAGE_MS + 60_000, requestTimeoutMs: 5000 });
    // When a request is slow matters as much as whether it is: a probe notes the slow ones against the fault's phases.
    const t0 = Date.now();
    const marks: Record<string, number> = {};
    const slow: string[] = [];
    let probing = true;
    const probe = (async () => {
      while (probing) {
        const at = Date.now();
        const ok = await fetch(`${nginx?.url}/`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.ok).catch(() => false);
        const ms = Date.now() - at;
        if (!ok || ms > 1000) slow.push(`${ok ? "slow" : "failed"} ${ms} ms at +${at - t0} ms`);
      }
    })();
    await new Promise((r) => setTimeout(r, 2000));

    marks.kill = Date.now() - t0;
    agents[0].proc.kill("SIGKILL");
    await new Promise((r) => agents[0].proc.once("exit", r));
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const duringOutage = processesWith(marker);

    marks.restart = Date.now() - t0;
    agents.push(startAgent(config, stateDir, dir));
    const after = await runningPids(stateDir, "chatty", 2);
    marks.adopted = Date.now() - t0;
    const afterAdoption = processesWith(marker);
    await new Promise((r) => setTimeout(r, 2000)); // the new agent reads the pipes again
    const result = await load.stop();
    probing = false;
    await probe;
    if (slow.length) console.log(`[agent outage] slow or failed probes (kill at +${marks.kill}, restart at +${marks.restart}, adopted by +${marks.adopted} ms): ${slow.join("; ")}\n${agents[1].output()}`);
    // A quiet log to count: the app ends (its pipes reach their end and the agent stores the rest),
    // then the agent stops and its keeper goes, so no rotation runs while the files are read.
    const stopped = processesWith(marker).filter((p) => p.state === "T").length;
    killAll(after);
    await new Promise((r) => setTimeout(r, 1500));
    agents[1].proc.kill("SIGTERM");
    await new Promise((r) => agents[1].proc.once("exit", r));
    killAll(processesWith(stateDir, "cmdline").map((p) => p.pid));

    const lines = tallyChattyLines(path.join(stateDir, "logs", "chatty"));
    const apps = duringOutage.filter((p) => before.includes(p.pid));
    const orphans = afterAdoption.filter((p) => !after.includes(p.pid)).length;
    console.log(
      `[agent outage ${OUTAGE_MS / 1000} s] requests ${result.requests}, failed ${result.failed}${result.failed ? ` (${result.errors.join(", ")})` : ""}; lines stored ${lines.lines}, lost ${lines.lost}, duplicated ${lines.duplicated}, torn ${lines.torn}; processes adopted ${after.filter((p) => before.includes(p)).length}/2, stopped ${stopped}, extra ${orphans}`,
    );
    expect(result.failed, result.errors.join(", ")).toBe(0);
    expect(apps.length).toBe(2); // the app ran through the outage
    expect(after).toEqual(before); // and was adopted, not restarted
    expect(lines.lost).toBe(0);
    expect(lines.duplicated).toBe(0);
    expect(lines.torn).toBe(0);
    // The ticker never stalled for long: each process wrote most of its 1,000 lines/s through the outage.
    // (How far each got, not how many lines are kept: a long outage rotates the oldest files away.)
    for (const pid of before) expect(lines.highest[pid] ?? 0).toBeGreaterThan((OUTAGE_MS / 1000) * 900);
    expect(stopped).toBe(0);
    expect(orphans).toBe(0);
  }, OUTAGE_MS + 120_000);
});
