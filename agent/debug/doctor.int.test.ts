// The doctor against deliberately broken real apps: each one must yield its code, and a healthy
// Perl FCGI app (running, with a matching config) must yield no finding at all.
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DoctorCode, DoctorReport } from "../../lib/protocol";
import { lookupUser } from "../supervisor/users";
import { runDoctor } from "./doctor";
import { connectsAs, makeSpec, PERL_HELLO, removeDir, startLive, tempDir, writeFile } from "./test-support";

let dir: string;
const live: { stop(): Promise<void> }[] = [];
beforeAll(() => {
  dir = tempDir("stoker-doc-");
});
afterAll(async () => {
  for (const app of live) await app.stop();
  removeDir(dir);
});

const codes = (r: DoctorReport): DoctorCode[] => r.findings.map((f) => f.code);
const finding = (r: DoctorReport, code: DoctorCode) => {
  const f = r.findings.find((x) => x.code === code);
  if (!f) throw new Error(`no ${code} in ${JSON.stringify(r.findings, null, 2)}`);
  return f;
};
const sub = (name: string) => {
  const d = path.join(dir, name);
  mkdirSync(d, { recursive: true });
  chmodSync(d, 0o755);
  return d;
};
const nginx = (socket: string) => `location / {\n    include fastcgi_params;\n    fastcgi_pass unix:${socket};\n}\n`;

describe("runDoctor", () => {
  it("finds nothing wrong with a healthy, running Perl FCGI app and its matching config", async () => {
    const d = sub("healthy");
    const script = writeFile(path.join(d, "hello.fcgi"), PERL_HELLO, 0o755);
    const spec = makeSpec(d, { command: [script] });
    const app = startLive(spec, [d]);
    live.push(app);
    const report = await runDoctor(spec, { socketDirs: [d], webConfigText: nginx(spec.socket.path!), pids: [app.pid] });
    expect(report.findings).toEqual([]);
    expect(report.durationMs).toBeGreaterThan(0);
  });

  it("finds nothing wrong with a healthy uWSGI app on fd 0", async () => {
    const d = sub("uwsgi-ok");
    writeFile(path.join(d, "app.py"), 'def application(env, start):\n    start("200 OK", [])\n    return [b"ok"]\n');
    const spec = makeSpec(d, { command: ["/usr/bin/uwsgi", "--plugin", "python3", "--fastcgi-socket", "fd://0", "--wsgi-file", "app.py", "--die-on-term"] });
    const report = await runDoctor(spec, { socketDirs: [d], requestTimeoutMs: 8000 });
    expect(report.findings).toEqual([]);
  });

  it("not-executable: a .fcgi script without the x bit, with the exact chmod as fix", async () => {
    const d = sub("noexec");
    const script = writeFile(path.join(d, "app.fcgi"), PERL_HELLO, 0o644);
    const report = await runDoctor(makeSpec(d, { command: [script] }), { socketDirs: [d] });
    expect(finding(report, "not-executable").fix).toBe(`chmod 755 ${script}`);
  });

  it("bad-shebang: a #! line with CRLF", async () => {
    const d = sub("crlf");
    const script = writeFile(path.join(d, "app.fcgi"), "#!/usr/bin/python3\r\nprint('hi')\r\n", 0o755);
    const report = await runDoctor(makeSpec(d, { command: [script] }), { socketDirs: [d] });
    expect(finding(report, "bad-shebang").title).toContain("CRLF");
  });

  it("bad-shebang: a #! interpreter that does not exist", async () => {
    const d = sub("nointerp");
    const script = writeFile(path.join(d, "app.fcgi"), "#!/usr/local/bin/perl5.8\nuse FCGI;\n", 0o755);
    const report = await runDoctor(makeSpec(d, { command: [script] }), { socketDirs: [d] });
    const f = finding(report, "bad-shebang");
    expect(f.title).toBe("The #! interpreter does not exist");
    expect(f.detail).toContain("/usr/local/bin/perl5.8");
  });

  it("interpreter-mismatch: run with python3, but the #! says python2", async () => {
    const d = sub("mismatch");
    writeFile(path.join(d, "app.fcgi"), "#!/usr/bin/python2\nprint('hi')\n", 0o755);
    const report = await runDoctor(makeSpec(d, { command: ["/usr/bin/python3", "app.fcgi"] }), { socketDirs: [d] });
    expect(finding(report, "interpreter-mismatch").detail).toContain("/usr/bin/python2");
  });

  it("interpreter-mismatch: #!/usr/bin/env python3 finds another python3 on the app's PATH", async () => {
    const d = sub("envpath");
    const bin = sub("envpath/bin");
    writeFile(path.join(bin, "python3"), "#!/bin/sh\nexec /usr/bin/perl -e 'print qq{fake python\\n}'\n", 0o755);
    const script = writeFile(path.join(d, "app.fcgi"), "#!/usr/bin/env python3\nprint('hi')\n", 0o755);
    const spec = makeSpec(d, { command: [script], env: { PATH: `${bin}:/usr/bin:/bin` } });
    const report = await runDoctor(spec, { socketDirs: [d], runInstance: false });
    expect(finding(report, "interpreter-mismatch").detail).toContain(`${bin}/python3`);
  });

  it("import-error: a missing module, with the traceback and the sys.path the app had", async () => {
    const d = sub("import");
    writeFile(path.join(d, "app.py"), "import os\nimport flupp_not_installed\n");
    const spec = makeSpec(d, { command: ["/usr/bin/python3", "app.py"], env: { PYTHONPATH: "/opt/stoker-libs" } });
    const f = finding(await runDoctor(spec, { socketDirs: [d] }), "import-error");
    expect(f.title).toContain("flupp_not_installed");
    expect(f.detail).toContain("Traceback (most recent call last)");
    expect(f.detail).toContain("ModuleNotFoundError: No module named 'flupp_not_installed'");
    expect(f.detail).toContain("/opt/stoker-libs"); // sys.path from the app's env
    expect(f.detail).toContain(`  ${d}\n`); // the script's directory comes first
  });

  it("relative-path: a data file that exists next to the script but not in the cwd", async () => {
    const d = sub("relpath");
    const code = sub("relpath/code");
    sub("relpath/code/data");
    writeFile(path.join(code, "data", "settings.json"), "{}");
    writeFile(path.join(code, "app.py"), "import json\nsettings = json.load(open('data/settings.json'))\n");
    const spec = makeSpec(d, { command: ["/usr/bin/python3", path.join(code, "app.py")] });
    const f = finding(await runDoctor(spec, { socketDirs: [d] }), "relative-path");
    expect(f.detail).toContain(path.join(code, "data/settings.json"));
    expect(f.fix).toContain(`Set cwd to ${code}`);
  });

  describe("missing-env", () => {
    const user = `stkdr${process.pid % 100000}`;
    let home: string;
    beforeAll(() => {
      home = sub("home");
      execFileSync("/usr/sbin/useradd", ["--system", "--no-create-home", "--home-dir", home, "--shell", "/bin/bash", user]);
      const u = lookupUser(user)!;
      writeFileSync(path.join(home, ".profile"), '[ -f ~/.bashrc ] && . ~/.bashrc\nexport STOKER_DSN="postgres://db/app"\n');
      chownSync(path.join(home, ".profile"), u.uid, u.gid);
      chownSync(home, u.uid, u.gid);
    });
    afterAll(() => {
      execFileSync("/usr/sbin/userdel", [user]);
    });

    it("names a variable the app reads that only the user's login shell sets", async () => {
      const d = sub("env");
      writeFile(path.join(d, "app.py"), "import os\ndsn = os.environ['STOKER_DSN']\n");
      const spec = makeSpec(d, { user, command: ["/usr/bin/python3", "app.py"] });
      const f = finding(await runDoctor(spec, { socketDirs: [d] }), "missing-env");
      expect(f.title).toContain("STOKER_DSN");
      expect(f.detail).toContain("login shell");
      expect(f.fix).toBe("Add STOKER_DSN to env in the app spec.");
    });

    it("stays quiet once the spec sets the variable", async () => {
      const d = sub("env-ok");
      writeFile(path.join(d, "app.py"), "import os\ndsn = os.environ['STOKER_DSN']\n");
      const spec = makeSpec(d, { user, command: ["/usr/bin/python3", "app.py"], env: { STOKER_DSN: "x" } });
      expect(codes(await runDoctor(spec, { socketDirs: [d] }))).not.toContain("missing-env");
    });
  });

  it("socket-mismatch: the nginx config passes to another socket than the app's", async () => {
    const d = sub("mismatch-sock");
    const script = writeFile(path.join(d, "hello.fcgi"), PERL_HELLO, 0o755);
    const spec = makeSpec(d, { command: [script] });
    const report = await runDoctor(spec, { socketDirs: [d], webConfigText: nginx(path.join(d, "old.sock")) });
    expect(codes(report)).toEqual(["socket-mismatch"]);
    expect(finding(report, "socket-mismatch").detail).toContain(path.join(d, "old.sock"));
  });

  it("socket-permission: a running app whose socket directory www-data cannot search", async () => {
    const code = sub("private-code");
    const d = sub("private");
    chmodSync(d, 0o750); // root:root, so www-data falls into "other" and has no x
    const script = writeFile(path.join(code, "hello.fcgi"), PERL_HELLO, 0o755);
    const spec = makeSpec(code, { command: [script], socket: { path: path.join(d, "app.sock"), group: "www-data" } });
    live.push(startLive(spec, [d]));
    const f = finding(await runDoctor(spec, { socketDirs: [d], runInstance: false }), "socket-permission");
    expect(f.detail).toContain(`${d} is root:root 0750`);
    expect(await connectsAs(33, 33, spec.socket.path!)).toBe(false); // the kernel agrees
  });

  it("socket-permission: a running app whose socket is root:root 0660", async () => {
    const d = sub("rootsock");
    const script = writeFile(path.join(d, "hello.fcgi"), PERL_HELLO, 0o755);
    // group root said outright: with no group the socket gets the web server's (app-socket.ts).
    const spec = makeSpec(d, { command: [script], socket: { path: path.join(d, "app.sock"), mode: "0660", group: "root" } });
    live.push(startLive(spec, [d]));
    const f = finding(await runDoctor(spec, { socketDirs: [d], runInstance: false }), "socket-permission");
    expect(f.detail).toContain("root:root 0660");
    expect(f.fix).toContain('socket.group to "www-data"');
    expect(await connectsAs(33, 33, spec.socket.path!)).toBe(false);
  });

  it("app-binds-elsewhere: a Python app that ignores fd 0 and binds its own socket", async () => {
    const d = sub("binds");
    chownSync(d, 33, 33); // the app (www-data) creates its own socket here
    const own = path.join(d, "own.sock");
    writeFile(
      path.join(d, "app.py"),
      `import os, socket, time\ns = socket.socket(socket.AF_UNIX)\nif os.path.exists(${JSON.stringify(own)}): os.unlink(${JSON.stringify(own)})\ns.bind(${JSON.stringify(own)})\ns.listen(5)\ntime.sleep(60)\n`,
    );
    const report = await runDoctor(makeSpec(d, { command: ["/usr/bin/python3", "app.py"] }), { socketDirs: [d], requestTimeoutMs: 1500 });
    expect(finding(report, "app-binds-elsewhere").detail).toContain(`unix:${own}`);
    expect(codes(report)).not.toContain("no-response"); // explained by the bind
  });

  it("app-binds-elsewhere: uWSGI told to use its own --fastcgi-socket", async () => {
    const d = sub("uwsgi-binds");
    chownSync(d, 33, 33);
    const own = path.join(d, "uwsgi.sock");
    writeFile(path.join(d, "app.py"), 'def application(env, start):\n    start("200 OK", [])\n    return [b"ok"]\n');
    const spec = makeSpec(d, { command: ["/usr/bin/uwsgi", "--plugin", "python3", "--fastcgi-socket", own, "--wsgi-file", "app.py", "--die-on-term"] });
    const report = await runDoctor(spec, { socketDirs: [d], requestTimeoutMs: 2000 });
    const found = report.findings.filter((f) => f.code === "app-binds-elsewhere").map((f) => f.detail).join("\n");
    expect(found).toContain(`--fastcgi-socket ${own}`); // from the command
    expect(found).toContain(`unix:${own} (fd`); // from /proc
  });

  it("web-server-addrs-unix: FCGI_WEB_SERVER_ADDRS set for an app on a Unix socket", async () => {
    const d = sub("addrs");
    const script = writeFile(path.join(d, "hello.fcgi"), PERL_HELLO, 0o755);
    const report = await runDoctor(makeSpec(d, { command: [script], env: { FCGI_WEB_SERVER_ADDRS: "127.0.0.1" } }), { socketDirs: [d] });
    expect(codes(report)).toEqual(["web-server-addrs-unix"]);
  });

  it("no-response: an app that accepts on fd 0 but never answers", async () => {
    const d = sub("silent");
    writeFile(path.join(d, "app.py"), "import socket\ns = socket.socket(fileno=0)\nheld = []\nwhile True:\n    c, _ = s.accept()\n    held.append(c)\n");
    const report = await runDoctor(makeSpec(d, { command: ["/usr/bin/python3", "app.py"] }), { socketDirs: [d], requestTimeoutMs: 1000 });
    expect(codes(report)).toEqual(["no-response"]);
  });

  it("no-response: the running app's own socket accepts but never answers", async () => {
    const d = sub("silent-live");
    writeFile(path.join(d, "app.py"), "import time\ntime.sleep(60)\n");
    const spec = makeSpec(d, { command: ["/usr/bin/python3", "app.py"] });
    const app = startLive(spec, [d]);
    live.push(app);
    const report = await runDoctor(spec, { socketDirs: [d], requestTimeoutMs: 800, runInstance: false, pids: [app.pid] });
    expect(finding(report, "no-response").detail).toContain(`unix:${spec.socket.path}`);
  });
});
