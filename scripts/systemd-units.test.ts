// The systemd units Stoker ships (the control plane's, the agent's example) and the one install.sh
// writes pass `systemd-analyze verify` without a warning: systemd ignores a misplaced key with only
// a log line (StartLimitIntervalSec under [Service] left the default restart limit in force).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
const analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].find((p) => existsSync(p));

/** What `systemd-analyze verify` says about the unit file (it only warns, with exit 0, for ignored keys). */
function verify(file: string): string {
  const r = spawnSync(analyze as string, ["verify", file], { encoding: "utf8", timeout: 30_000 });
  return `${r.stdout}${r.stderr}`
    .split("\n")
    .filter((l) => l.includes(path.basename(file)))
    .join("\n");
}

/** The unit install.sh writes, as it writes it (the heredoc between `<<UNIT` and `UNIT`), for a prefix. */
function installerUnit(prefix: string, node: string): string {
  const script = readFileSync(path.join(ROOT, "scripts/agent-install.sh"), "utf8");
  const body = script.match(/<<UNIT\n([\s\S]*?)\nUNIT\n/)?.[1];
  if (!body) throw new Error("no <<UNIT heredoc in agent-install.sh");
  const run = `${node} ${prefix}/current/agent.mjs run --state-dir ${prefix}/state`;
  return `${body.replaceAll("$PREFIX", prefix).replaceAll("$RUN", run)}\n`;
}

describe.skipIf(!analyze)("systemd units", () => {
  it.each(["deploy/stoker.service", "examples/systemd/stoker-agent.service"])("%s verifies without a warning", (unit) => {
    expect(verify(path.join(ROOT, unit))).toBe("");
  });

  it("the agent unit install.sh writes verifies without a warning, and never stops the apps with the agent", () => {
    const prefix = mkdtempSync(path.join(tmpdir(), "stoker-unit-"));
    try {
      writeFileSync(path.join(prefix, "install.env"), "STOKER_DATA_DIR=/tmp\n");
      const unit = installerUnit(prefix, process.execPath);
      expect(unit).toContain(`ExecStart=${process.execPath} ${prefix}/current/agent.mjs run --state-dir ${prefix}/state`);
      expect(unit).toMatch(/^KillMode=process$/m);
      const file = path.join(prefix, "stoker-agent.service");
      writeFileSync(file, unit);
      expect(verify(file)).toBe("");
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });
});
