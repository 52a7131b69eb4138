// The parsers that read app output: import failures, missing env vars and missing relative files.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { findImportFailure } from "./import-error";
import { checkMissingEnv, envNamesInOutput } from "./missing-env";
import { checkRelativePaths, missingRelativeNames } from "./relative-path";

const PY_IMPORT = `noise before
Traceback (most recent call last):
  File "/srv/app/app.fcgi", line 3, in <module>
    from flup.server.fcgi import WSGIServer
ModuleNotFoundError: No module named 'flup'
`;

describe("findImportFailure", () => {
  it("extracts a Python traceback and the module name", () => {
    const f = findImportFailure(PY_IMPORT);
    expect(f?.module).toBe("flup");
    expect(f?.traceback.startsWith("Traceback (most recent call last):")).toBe(true);
    expect(f?.traceback.endsWith("No module named 'flup'")).toBe(true);
  });

  it("recognizes Perl's Can't locate ... in @INC", () => {
    const f = findImportFailure("Can't locate FCGI.pm in @INC (you may need to install the FCGI module) (@INC contains: /etc/perl) at x line 2.");
    expect(f).toMatchObject({ language: "perl", module: "FCGI" });
  });

  it("ignores output without an import failure", () => {
    expect(findImportFailure("Traceback (most recent call last):\nValueError: bad\n")).toBeNull();
  });
});

describe("missing env", () => {
  it("names variables from environ[...], getenv and $ENV{...}, and KeyError only near environ", () => {
    expect(envNamesInOutput("x = os.environ['DSN']\nKeyError: 'DSN'").map((m) => m.name)).toEqual(["DSN"]);
    expect(envNamesInOutput("getenv('API_KEY') returned false")).toEqual([{ name: "API_KEY", certain: true }]);
    expect(envNamesInOutput("Use of uninitialized value $ENV{SECRET} in concatenation")).toEqual([{ name: "SECRET", certain: true }]);
    expect(envNamesInOutput("KeyError: 'user_id'")).toEqual([{ name: "user_id", certain: false }]);
  });

  it("reports a variable set in the login shell only, and nothing once the app has it", () => {
    const out = "KeyError: 'DSN'";
    expect(checkMissingEnv(out, {}, { DSN: "x" }, "app").map((f) => f.code)).toEqual(["missing-env"]);
    expect(checkMissingEnv(out, { DSN: "y" }, { DSN: "x" }, "app")).toEqual([]);
    expect(checkMissingEnv(out, {}, {}, "app")).toEqual([]); // an uncertain KeyError is not enough
  });
});

describe("relative paths", () => {
  it("extracts relative names from Python, PHP and Perl messages", () => {
    expect(missingRelativeNames("FileNotFoundError: [Errno 2] No such file or directory: 'conf/a.ini'")).toEqual(["conf/a.ini"]);
    expect(missingRelativeNames("PHP Warning:  fopen(data/x.csv): Failed to open stream: No such file or directory")).toEqual(["data/x.csv"]);
    expect(missingRelativeNames("Cannot open templates/t.html: No such file or directory at app.fcgi line 9.")).toContain("templates/t.html");
    expect(missingRelativeNames("No such file or directory: '/etc/abs.conf'")).toEqual([]);
  });

  it("reports only names that exist next to the script and not in the cwd", () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "stoker-rel-"));
    try {
      mkdirSync(path.join(root, "code/data"), { recursive: true });
      mkdirSync(path.join(root, "run"));
      writeFileSync(path.join(root, "code/data/a.json"), "{}");
      const out = "No such file or directory: 'data/a.json'\nNo such file or directory: 'data/missing.json'";
      const found = checkRelativePaths(out, path.join(root, "code/app.py"), path.join(root, "run"));
      expect(found.map((f) => f.title)).toEqual(['"data/a.json" is opened relative to the working directory']);
      expect(checkRelativePaths(out, path.join(root, "code/app.py"), path.join(root, "code"))).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
