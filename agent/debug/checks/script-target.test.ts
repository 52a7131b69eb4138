// Finding the script in a command line, and parsing `#!` lines the way the kernel does.
import { describe, expect, it } from "vitest";
import type { LaunchPlan } from "../../supervisor/launch-plan";
import { findScript, parseShebang } from "./script-target";

const plan = (file: string, args: string[]): LaunchPlan => ({ file, args, cwd: "/srv/app", env: {}, userName: "app" });

describe("findScript", () => {
  it("treats command[0] as the script when it is not an interpreter", () => {
    expect(findScript(plan("/srv/app/app.fcgi", []))).toEqual({ path: "/srv/app/app.fcgi", interpreter: null, direct: true });
  });

  it("finds the script argument of an interpreter, skipping its options, relative to cwd", () => {
    expect(findScript(plan("/usr/bin/python3", ["-u", "-W", "ignore", "app.fcgi", "--port", "1"]))).toEqual({
      path: "/srv/app/app.fcgi",
      interpreter: "/usr/bin/python3",
      direct: false,
    });
    expect(findScript(plan("/usr/bin/php-cgi", ["-d", "x=1", "-f", "/srv/app/i.php"]))?.path).toBe("/srv/app/i.php");
  });

  it("has no script for python -m, perl -e or a bare php-cgi", () => {
    expect(findScript(plan("/usr/bin/python3", ["-m", "app"]))).toBeNull();
    expect(findScript(plan("/usr/bin/perl", ["-e", "1"]))).toBeNull();
    expect(findScript(plan("/usr/bin/php-cgi", []))).toBeNull();
  });

  it("finds uWSGI's --wsgi-file in both spellings", () => {
    expect(findScript(plan("/usr/bin/uwsgi", ["--wsgi-file", "app.py"]))?.path).toBe("/srv/app/app.py");
    expect(findScript(plan("/usr/bin/uwsgi", ["--wsgi-file=/x/app.py"]))).toEqual({ path: "/x/app.py", interpreter: null, direct: false });
  });
});

describe("parseShebang", () => {
  it("splits interpreter and argument and notices CRLF", () => {
    expect(parseShebang(Buffer.from("#!/usr/bin/env python3\r\nx"))).toEqual({
      line: "#!/usr/bin/env python3",
      interpreter: "/usr/bin/env",
      arg: "python3",
      crlf: true,
    });
    expect(parseShebang(Buffer.from("#! /usr/bin/perl -w\n"))).toMatchObject({ interpreter: "/usr/bin/perl", arg: "-w", crlf: false });
    expect(parseShebang(Buffer.from("<?php\n"))).toBeNull();
  });
});
