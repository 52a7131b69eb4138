import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AppSpecSchema, type DesiredApp } from "../../lib/protocol";
import type { SavedApp } from "./app-runner";
import { readState, writeState } from "./state-file";

const dir = mkdtempSync(path.join(tmpdir(), "stoker-state-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the agent's state file", () => {
  it("holds secret env values sealed, with a 0600 key beside it, and reads them back whole", () => {
    const spec = AppSpecSchema.parse({ name: "a", hostId: "h", command: ["/bin/true"], socket: { path: "/run/stoker/a.sock" }, env: { PLAIN: "visible", DB_PASSWORD: { secret: "s3cr3t-Value-42" } } });
    const desired: DesiredApp = { appId: "app1", revision: 3, desired: "running", spec, rootApproved: false };
    const saved = { desired, generation: 1, processes: [], running: desired } as unknown as SavedApp;
    const file = path.join(dir, "state.json");
    writeState(file, [saved]);
    const text = readFileSync(file, "utf8");
    expect(text).not.toContain("s3cr3t-Value-42");
    expect(text).toContain("visible");
    expect(statSync(path.join(dir, "secrets.key")).mode & 0o077).toBe(0);
    const back = readState(file);
    expect(back[0].desired.spec.env).toEqual({ PLAIN: "visible", DB_PASSWORD: { secret: "s3cr3t-Value-42" } });
    expect(back[0].running?.spec.env.DB_PASSWORD).toEqual({ secret: "s3cr3t-Value-42" });
  });
});
