// "Up, but every request answers 500": uWSGI whose --wsgi-file fails to import keeps running and
// answers 500. The doctor's real request sees the 500 and names the cause from the app's own output.
// And an app that crashes at start: the 503 on its socket is the agent's page, not the app's answer.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fastcgiRequest } from "@/agent/fastcgi/client";
import { cgiParams, parseCgiResponse } from "@/agent/fastcgi/http-response";
import { Supervisor } from "@/agent/supervisor/supervisor";
import { AppSpecSchema, type DoctorReport } from "@/lib/protocol";
import { RUN_AS } from "./support/fixture-apps";

const dir = mkdtempSync(path.join(tmpdir(), "stoker-doctor-live-"));
chmodSync(dir, 0o755);
const sup = new Supervisor({ stateDir: path.join(dir, "state"), socketDirs: [dir] });
afterAll(async () => {
  for (const id of [...sup.apps.keys()]) await sup.execute({ op: "app.remove", appId: id });
  rmSync(dir, { recursive: true, force: true });
});

describe("the doctor on an app that is up but fails every request", () => {
  it("uWSGI with a --wsgi-file whose import fails: server-error 500 and import-error naming the module and the fix", async () => {
    const app = path.join(dir, "app.py");
    writeFileSync(app, 'import yaml_config_loader_missing\n\ndef application(env, start):\n    start("200 OK", [])\n    return [b"ok"]\n');
    const sock = path.join(dir, "uw.sock");
    const spec = AppSpecSchema.parse({
      name: "uw",
      hostId: "h",
      // uWSGI's defaults: without --need-app it keeps running with "no python application found".
      command: ["/usr/bin/uwsgi", "--plugin", "python3", "--fastcgi-socket", "fd://0", "--wsgi-file", app, "--die-on-term"],
      cwd: dir,
      socket: { path: sock, group: "www-data" },
      ...RUN_AS,
      ready: { probe: "connect", timeoutMs: 15_000 }, // a connect probe: the processes show RUNNING, as in the report
    });
    const put = await sup.put({ appId: "uw", revision: 1, desired: "running", spec, rootApproved: true });
    expect(put.ok, JSON.stringify(put)).toBe(true);
    // Every request logs a line: the startup traceback scrolls out of the short per-process tails.
    for (let i = 0; i < 40; i++) {
      const res = await fastcgiRequest({ path: sock }, cgiParams({ method: "GET", path: "/" }), undefined, 10_000);
      expect(parseCgiResponse(res.stdout).status).toBe(500);
    }
    const r = await sup.execute({ op: "app.doctor", appId: "uw", allowRoot: true });
    expect(r.ok).toBe(true);
    const report = (r as { value: DoctorReport }).value;
    const codes = report.findings.map((f) => f.code);
    expect(codes).toEqual(expect.arrayContaining(["import-error", "server-error"]));
    const importError = report.findings.find((f) => f.code === "import-error")!;
    expect(importError.title).toBe("The app cannot import yaml_config_loader_missing");
    expect(importError.detail).toContain("ModuleNotFoundError: No module named 'yaml_config_loader_missing'");
    expect(importError.fix).toContain("Install yaml_config_loader_missing");
    const serverError = report.findings.find((f) => f.code === "server-error")!;
    expect(serverError.title).toBe("The app answers 500 to a real request");
    expect(serverError.detail).toContain("Cause, from the app's own output: The app cannot import yaml_config_loader_missing (import-error).");
    expect(serverError.fix).toBe(importError.fix);
  });
});

describe("the doctor on an app whose every process dies at start", () => {
  it("a Python FastCGI script with a failing import: no-live-process names the state, the exit and the cause; no server-error for the agent's 503", async () => {
    const app = path.join(dir, "crash.py");
    writeFileSync(app, "import fastcgi_settings_missing\n");
    const sock = path.join(dir, "crash.sock");
    const spec = AppSpecSchema.parse({ name: "crash", hostId: "h", command: ["/usr/bin/python3", app], cwd: dir, socket: { path: sock, group: "www-data" }, ...RUN_AS });
    await sup.put({ appId: "crash", revision: 1, desired: "running", spec, rootApproved: true }); // fails: it cannot start
    // Every slot without a process, and the agent's own page answering on the socket meanwhile.
    let status = 0;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const procs = sup.status().find((a) => a.appId === "crash")?.processes ?? [];
      if (procs.length && procs.every((p) => p.pid === 0 && (p.state === "BACKOFF" || p.state === "FATAL"))) {
        status = parseCgiResponse((await fastcgiRequest({ path: sock }, cgiParams({ method: "GET", path: "/" }), undefined, 5000)).stdout).status;
        if (status === 503) break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(503);
    const r = await sup.execute({ op: "app.doctor", appId: "crash", allowRoot: true });
    expect(r.ok).toBe(true);
    const report = (r as { value: DoctorReport }).value;
    const codes = report.findings.map((f) => f.code);
    expect(codes).not.toContain("server-error");
    expect(codes).toEqual(expect.arrayContaining(["import-error", "no-live-process"]));
    const importError = report.findings.find((f) => f.code === "import-error")!;
    expect(importError.title).toBe("The app cannot import fastcgi_settings_missing");
    const down = report.findings.find((f) => f.code === "no-live-process")!;
    expect(down.title).toMatch(/^The app has no live process \((BACKOFF|FATAL)\)$/);
    expect(down.detail).toMatch(/last: process \d+ exited with code 1\./);
    expect(down.detail).toContain("ModuleNotFoundError: No module named 'fastcgi_settings_missing'");
    expect(down.detail).toContain("Cause, from the app's own output: The app cannot import fastcgi_settings_missing (import-error).");
    expect(down.fix).toBe(importError.fix);
  });
});
