import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { lookupGroup, lookupUser } from "./users";

describe("user lookups", () => {
  const saved = process.env.PATH;
  afterEach(() => {
    process.env.PATH = saved;
  });

  it("finds local users and groups by name and by id", () => {
    expect(lookupUser("root")).toMatchObject({ uid: 0, gid: 0, name: "root" });
    expect(lookupUser(0)?.name).toBe("root");
    expect(lookupGroup("root")?.gid).toBe(0);
    expect(lookupUser("no-such-user-here")).toBeNull();
    expect(lookupUser("-s")).toBeNull(); // a key, not an option
  });

  it("asks NSS (getent), so a directory user that is not in /etc/passwd is found", () => {
    // Stands in for an LDAP/SSSD-backed NSS: a getent on PATH that knows a user no file lists.
    const dir = mkdtempSync(path.join(tmpdir(), "stoker-getent-"));
    const fake = path.join(dir, "getent");
    writeFileSync(fake, '#!/bin/sh\n[ "$1 $3" = "passwd ldapuser" ] && { echo "ldapuser:*:70001:70001:Directory User:/home/ldapuser:/bin/bash"; exit 0; }\nexit 2\n');
    chmodSync(fake, 0o755);
    process.env.PATH = `${dir}:${saved}`;
    try {
      expect(lookupUser("ldapuser")).toEqual({ name: "ldapuser", uid: 70001, gid: 70001, home: "/home/ldapuser", shell: "/bin/bash" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
