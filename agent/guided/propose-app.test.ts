import { describe, expect, it } from "vitest";
import { parseShebang, proposeApp } from "./propose-app";

const which = (p: string) => ({ python3: "/usr/bin/python3", "php-cgi": "/usr/bin/php-cgi", uwsgi: "/usr/bin/uwsgi", node: "/usr/bin/node", perl: "/usr/bin/perl" })[p] ?? null;
const facts = (script: string, text: string) => ({ script, text, owner: "alice", name: "hello", socketDir: "/run/stoker", which });

describe("proposeApp", () => {
  it("runs a flup script with WSGIServer(app) on the agent's socket as fd 0, with the shebang's interpreter", () => {
    const p = proposeApp(facts("/srv/hello/app.fcgi", "#!/usr/bin/python3.11\nfrom flup.server.fcgi import WSGIServer\nWSGIServer(app).run()\n"));
    expect(p.runtime).toBe("python-flup");
    expect(p.command).toEqual(["/usr/bin/python3.11", "/srv/hello/app.fcgi"]);
    expect(p.socket).toEqual({ path: "/run/stoker/hello.sock", bind: "agent" });
    expect(p.cwd).toBe("/srv/hello");
    expect(p.user).toBe("alice");
  });

  it("lets a flup script that names bindAddress bind its own socket", () => {
    const p = proposeApp(facts("/srv/x/x.fcgi", "#!/usr/bin/env python3\nfrom flup.server.fcgi import WSGIServer\nWSGIServer(app, bindAddress='/run/stoker/x.sock').run()\n"));
    expect(p.socket).toEqual({ path: "/run/stoker/x.sock", bind: "app" });
    expect(p.command).toEqual(["/usr/bin/python3", "/srv/x/x.fcgi"]);
  });

  it("serves a PHP file with php-cgi and points SCRIPT_FILENAME at it", () => {
    const p = proposeApp(facts("/var/www/site/index.php", "<?php echo 'hi';"));
    expect(p.runtime).toBe("php-cgi");
    expect(p.command).toEqual(["/usr/bin/php-cgi"]);
    expect(p.fastcgiParams).toEqual({ SCRIPT_FILENAME: "/var/www/site/index.php" });
  });

  it("serves a WSGI module without a FastCGI server through uWSGI on fd 0, naming its callable", () => {
    const p = proposeApp(facts("/srv/f/app.py", "from flask import Flask\napp = Flask(__name__)\n"));
    expect(p.runtime).toBe("python-uwsgi");
    expect(p.command).toEqual(["/usr/bin/uwsgi", "--plugin", "python3", "--fastcgi-socket", "fd://0", "--wsgi-file", "/srv/f/app.py", "--callable", "app", "--die-on-term"]);
  });

  it("recognises Perl FCGI and node-fastcgi scripts", () => {
    expect(proposeApp(facts("/srv/p/app.fcgi", "#!/usr/bin/perl\nuse FCGI;\n")).command).toEqual(["/usr/bin/perl", "/srv/p/app.fcgi"]);
    const n = proposeApp(facts("/srv/n/server.mjs", "import fcgi from 'node-fastcgi';\nserver.listen({ fd: 0 });\n"));
    expect(n.runtime).toBe("node");
    expect(n.command).toEqual(["/usr/bin/node", "/srv/n/server.mjs"]);
  });

  it("keeps a preset the user chose and says what the script looked like", () => {
    const p = proposeApp(facts("/srv/f/app.py", "app = 1\n"), "custom");
    expect(p.runtime).toBe("custom");
    expect(p.notes[0]).toMatch(/looks like python-uwsgi/);
  });
});

describe("parseShebang", () => {
  it("resolves env's program on the host's PATH and keeps other arguments", () => {
    expect(parseShebang("#!/usr/bin/env python3 -u\n", which)).toEqual({ interpreter: "/usr/bin/python3", args: ["-u"] });
    expect(parseShebang("#!/usr/bin/perl -w\n", which)).toEqual({ interpreter: "/usr/bin/perl", args: ["-w"] });
    expect(parseShebang("print 1\n", which)).toBeNull();
  });
});
