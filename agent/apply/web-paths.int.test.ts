// The web section's files are checked by the agent when an app is created or changed (app.validate),
// not first at apply: a missing documentRoot or certificate, or a documentRoot the web server's
// user cannot read, is refused naming the path and the user that must read it. And the site's file
// is self-contained: every path it names (logs, certificates, document root) exists once the app does.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AppSpecSchema, type WebServer } from "../../lib/protocol";
import { acmePaths } from "./acme";
import { Supervisor } from "../supervisor/supervisor";

const tmp = mkdtempSync(path.join(tmpdir(), "stoker-webpaths-"));
chmodSync(tmp, 0o755);
const supervisor = new Supervisor({ stateDir: path.join(tmp, "state"), socketDirs: [tmp] });
afterAll(() => {
  supervisor.detachAll();
  rmSync(tmp, { recursive: true, force: true });
});

const spec = (web: Record<string, unknown>) =>
  AppSpecSchema.parse({
    name: "php",
    hostId: "h",
    user: "nobody",
    command: ["/usr/bin/php-cgi"],
    socket: { path: path.join(tmp, "php.sock") },
    web: { server: "nginx", serverName: "php.test", listen: "127.0.0.1:8080", ...web },
  });

async function validate(web: Record<string, unknown>) {
  return supervisor.execute({ op: "app.validate", spec: spec(web), rootApproved: false });
}

describe.skipIf(process.getuid?.() !== 0)("app.validate checks the web section's files", () => {
  it("refuses a documentRoot that does not exist, naming it and who must read it", async () => {
    const r = await validate({ documentRoot: path.join(tmp, "nowhere/public") });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe("BAD_REQUEST");
    expect(r.fields?.[0]?.path).toBe("web.documentRoot");
    expect(r.message).toContain(path.join(tmp, "nowhere/public"));
    expect(r.message).toContain('"www-data"');
    expect(r.message).toContain('"nobody"');
  });

  it("refuses a documentRoot the web server's user cannot list, and accepts it once it can", async () => {
    const root = path.join(tmp, "site/public");
    mkdirSync(root, { recursive: true });
    chmodSync(root, 0o700);
    const r = await validate({ documentRoot: root });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/user "(www-data|nobody)" cannot list/);
    chmodSync(root, 0o755);
    expect((await validate({ documentRoot: root })).ok).toBe(true);
  });

  it("refuses certificate and key files that do not exist, and accepts them once they do", async () => {
    const certificate = path.join(tmp, "tls/cert.pem");
    const key = path.join(tmp, "tls/key.pem");
    const r = await validate({ listen: "127.0.0.1:8443", tls: { certificate, key } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.fields?.map((f) => f.path)).toEqual(["web.tls.certificate", "web.tls.key"]);
    mkdirSync(path.dirname(certificate));
    writeFileSync(certificate, "cert");
    writeFileSync(key, "key", { mode: 0o600 });
    expect((await validate({ listen: "127.0.0.1:8443", tls: { certificate, key } })).ok).toBe(true);
  });
});

describe.each<WebServer>(["nginx", "lighttpd", "apache"])("the %s site file of an ACME app with a document root", (kind) => {
  it("names only paths that exist once the app exists: log dir, challenge webroot, certificate, document root", async () => {
    const dir = path.join(tmp, `self-${kind}`);
    const docRoot = path.join(dir, "public");
    mkdirSync(docRoot, { recursive: true });
    const stateDir = path.join(dir, "state");
    // A log dir that does not exist yet: nothing in the file may point into nothing.
    const target = { dir: path.join(dir, "conf"), siteLogDir: path.join(dir, "logs", kind) };
    const own = new Supervisor({ stateDir, socketDirs: [tmp], webTargets: { [kind]: target } });
    try {
      const web = { server: kind, serverName: "shop.test", listen: "127.0.0.1:8443", documentRoot: docRoot, tls: { acme: {}, redirectFrom: 8080 } };
      const put = await own.put({ appId: `self-${kind}`, revision: 1, desired: "stopped", spec: spec(web), rootApproved: false });
      expect(put.ok, JSON.stringify(put)).toBe(true);
      // Before any apply or GET: the certificate the file will name is there (a placeholder).
      const acme = acmePaths(stateDir, "shop.test");
      expect(existsSync(acme.certificate) && existsSync(acme.key)).toBe(true);
      const got = await own.execute({ op: "webconfig.get", appId: `self-${kind}` });
      expect(got.ok, JSON.stringify(got)).toBe(true);
      const text = (got as { value: { text: string } }).value.text;
      // Every absolute path under this test's dir that the file names (a log file: its directory).
      const named = [...new Set(text.match(new RegExp(`${dir.replaceAll(".", "[.]")}[^\\s;"')]*`, "g")) ?? [])];
      for (const want of [docRoot, acme.certificate, acme.key, acme.webroot, target.siteLogDir]) expect(named.some((p) => p.startsWith(want)), want).toBe(true);
      for (const p of named) expect(existsSync(p) || existsSync(path.dirname(p)), `${p} (named by the ${kind} site)`).toBe(true);
    } finally {
      own.detachAll();
    }
  });
});
