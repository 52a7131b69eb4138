// Run-by-hand against real apps: a Perl FCGI script, uWSGI, and apps that crash at start.
import { existsSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runByHand } from "./run-by-hand";
import { makeSpec, PERL_HELLO, removeDir, tempDir, writeFile } from "./test-support";

let dir: string;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => removeDir(dir));

const rbhDirs = () => readdirSync(os.tmpdir()).filter((n) => n.startsWith("stoker-rbh-"));

describe("runByHand", () => {
  it("gets a 200 and the body from a healthy Perl FCGI app running as www-data, then stops it", async () => {
    const script = writeFile(path.join(dir, "hello.fcgi"), PERL_HELLO, 0o755);
    const before = rbhDirs();
    let seenPid = 0;
    const res = await runByHand(makeSpec(dir, { command: [script] }), {
      socketDirs: [dir],
      whileRunning: (pid) => {
        seenPid = pid;
      },
    });
    expect(res.outcome).toBe("responded");
    expect(res.response?.status).toBe(200);
    expect(res.response?.body).toBe("hello from perl as 33\n");
    expect(res.error).toBeNull();
    expect(seenPid).toBeGreaterThan(0);
    expect(existsSync(`/proc/${seenPid}`)).toBe(false); // stopped
    expect(rbhDirs()).toEqual(before); // temp socket dir removed
  });

  it("passes the app's env from the spec, not the agent's", async () => {
    const script = writeFile(
      path.join(dir, "env.fcgi"),
      PERL_HELLO.replace('hello from perl as $<\\n"', 'app=$ENV{APP_MARK} agent=" . ($ENV{STOKER_AGENT_ONLY} // "unset") . " cwd=" . `pwd`'),
      0o755,
    );
    process.env.STOKER_AGENT_ONLY = "leaked";
    try {
      const res = await runByHand(makeSpec(dir, { command: [script], env: { APP_MARK: "m1" } }), { socketDirs: [dir] });
      expect(res.response?.body).toBe(`app=m1 agent=unset cwd=${dir}\n`);
    } finally {
      delete process.env.STOKER_AGENT_ONLY;
    }
  });

  it("serves a Python app under uWSGI on the fd-0 socket", async () => {
    writeFile(path.join(dir, "wsgi.py"), 'def application(env, start):\n    start("200 OK", [("Content-Type", "text/plain")])\n    return [b"uwsgi ok"]\n');
    const spec = makeSpec(dir, {
      command: ["/usr/bin/uwsgi", "--plugin", "python3", "--fastcgi-socket", "fd://0", "--wsgi-file", "wsgi.py", "--die-on-term", "--master"],
    });
    const res = await runByHand(spec, { socketDirs: [dir], timeoutMs: 10_000 });
    expect(res.outcome).toBe("responded");
    expect(res.response?.status).toBe(200);
    expect(res.response?.body).toBe("uwsgi ok");
  });

  it("reports the exit code and stderr of a Perl app that dies at start, with no response", async () => {
    const script = writeFile(path.join(dir, "dies.fcgi"), "#!/usr/bin/perl\nuse FCGI;\ndie \"config missing, giving up\\n\";\n", 0o755);
    const res = await runByHand(makeSpec(dir, { command: [script] }), { socketDirs: [dir] });
    expect(res.outcome).toBe("crashed");
    expect(res.exitCode).toBe(255);
    expect(res.stderr).toContain("config missing, giving up");
    expect(res.response).toBeNull();
    expect(res.error).not.toBeNull();
  });

  it("sends spec.fastcgiParams and ready.path, so php-cgi finds its script", async () => {
    writeFile(path.join(dir, "index.php"), "<?php echo 'php says ', $_SERVER['PATH_INFO'], ' ', getenv('APP_MARK');\n");
    const spec = makeSpec(dir, {
      command: ["/usr/bin/php-cgi"],
      env: { APP_MARK: "m2" },
      fastcgiParams: { SCRIPT_FILENAME: path.join(dir, "index.php") },
      ready: { path: "/health" },
    });
    const res = await runByHand(spec, { socketDirs: [dir] });
    expect(res.response?.status).toBe(200);
    expect(res.response?.body).toBe("php says /health m2");
  });

  it("reports the exit code and traceback of a Python app that raises at import", async () => {
    writeFile(path.join(dir, "raises.py"), "import sys\nraise RuntimeError('database url missing')\n");
    const res = await runByHand(makeSpec(dir, { command: ["/usr/bin/python3", "raises.py"] }), { socketDirs: [dir] });
    expect(res.outcome).toBe("crashed");
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain("Traceback (most recent call last)");
    expect(res.stderr).toContain("RuntimeError: database url missing");
    expect(res.response).toBeNull();
  });

  it("reports a program that cannot be executed at all", async () => {
    const script = writeFile(path.join(dir, "noexec.fcgi"), PERL_HELLO, 0o644);
    const res = await runByHand(makeSpec(dir, { command: [script] }), { socketDirs: [dir] });
    expect(res.outcome).toBe("spawn-failed");
    expect(res.error).toContain("EACCES");
    expect(res.response).toBeNull();
  });
});
