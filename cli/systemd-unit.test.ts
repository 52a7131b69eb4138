import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { systemdUnit } from "./systemd-unit";

describe("the control plane's systemd unit", () => {
  it("is what deploy/stoker.service holds, with the defaults", () => {
    expect(readFileSync(path.join(import.meta.dirname, "../deploy/stoker.service"), "utf8")).toBe(systemdUnit());
  });

  it("takes a data dir, user and port, and refuses values that would break the unit", () => {
    const unit = systemdUnit({ "data-dir": "/srv/stoker-data", user: "www", port: "8080" });
    expect(unit).toContain("Environment=STOKER_DATA_DIR=/srv/stoker-data\n");
    expect(unit).toContain("ReadWritePaths=/srv/stoker-data\n");
    expect(unit).toContain("User=www\n");
    expect(unit).toContain("Environment=PORT=8080\n");
    expect(() => systemdUnit({ "data-dir": "/x\nExecStart=/bin/sh" })).toThrow(/data-dir/);
    expect(() => systemdUnit({ user: "root; rm" })).toThrow(/user/);
    expect(() => systemdUnit({ port: "99999" })).toThrow(/port/);
  });
});
