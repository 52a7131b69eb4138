// Unit tests for the web section's grammar: what it accepts, normalises and refuses (and how it says so).
import { describe, expect, it } from "vitest";
import { fieldErrors } from "./app-spec";
import { sizeToBytes, WebSpecSchema } from "./web-spec";

const base = { server: "nginx", serverName: "example.com", listen: 80, mount: "/yourapplication" };
const errorsFor = (over: Record<string, unknown>) => {
  const r = WebSpecSchema.safeParse({ ...base, ...over });
  return r.success ? [] : fieldErrors(r.error);
};

describe("WebSpecSchema", () => {
  it("accepts the documented example and fills defaults", () => {
    const w = WebSpecSchema.parse({ ...base, static: [{ url: "/static", dir: "/srv/hello/static" }], extra: { clientMaxBodySize: "10m", readTimeoutS: 60 } });
    expect(w).toMatchObject({ mount: "/yourapplication", static: [{ url: "/static", dir: "/srv/hello/static" }] });
    expect(WebSpecSchema.parse({ server: "apache", serverName: "a.test" })).toMatchObject({ listen: 80, mount: "/", static: [], extra: {} });
  });

  it("treats a mount, static url and dir with a trailing slash like one without", () => {
    const w = WebSpecSchema.parse({ ...base, mount: "/yourapplication/", static: [{ url: "/static/", dir: "/srv/x/" }] });
    expect(w.mount).toBe("/yourapplication");
    expect(w.static[0]).toEqual({ url: "/static", dir: "/srv/x" });
    expect(WebSpecSchema.parse({ ...base, mount: "/" }).mount).toBe("/");
  });

  it.each([
    ["serverName", 'example.com"; include /etc/passwd'],
    ["serverName", "example.com;"],
    ["serverName", "Example.com"],
    ["serverName", "a b"],
    ["mount", "/app;"],
    ["mount", "/app{x}"],
    ["mount", "/a/../b"],
    ["mount", "/a#b"],
    ["mount", "/a$b"],
    ["mount", "/a\nb"],
    ["mount", "app"],
    ["mount", "//app"],
    ["listen", "80; include x"],
    ["listen", 70_000],
    ["listen", "localhost:80"],
  ])("refuses %s = %j and names the field", (field, value) => {
    const errors = errorsFor({ [field]: value });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0].path).toBe(field);
    expect(errors[0].message).toContain(`web.${field}`);
  });

  it("refuses hostile static dirs and sizes with messages that say what to do", () => {
    expect(errorsFor({ static: [{ url: "/s", dir: "/srv/../etc" }] })[0]).toMatchObject({ path: "static.0.dir" });
    expect(errorsFor({ static: [{ url: "/s", dir: "/srv/a b" }] })[0].message).toMatch(/absolute directory such as/);
    expect(errorsFor({ static: [{ url: "/", dir: "/srv" }] })[0].message).toMatch(/cannot be \//);
    expect(errorsFor({ extra: { clientMaxBodySize: "10m;" } })[0]).toMatchObject({ path: "extra.clientMaxBodySize" });
    expect(errorsFor({ extra: { readTimeoutS: 0 } })[0]).toMatchObject({ path: "extra.readTimeoutS" });
    expect(errorsFor({ extra: { other: 1 } })[0].message).toMatch(/Unknown field/);
  });

  it("refuses a static prefix that repeats or equals the mount", () => {
    expect(errorsFor({ static: [{ url: "/s", dir: "/a" }, { url: "/s/", dir: "/b" }] })[0].path).toBe("static.1.url");
    expect(errorsFor({ static: [{ url: "/yourapplication", dir: "/a" }] })[0].path).toBe("static.0.url");
  });

  it("converts sizes to bytes", () => {
    expect(sizeToBytes("512")).toBe(512);
    expect(sizeToBytes("10k")).toBe(10_240);
    expect(sizeToBytes("10m")).toBe(10_485_760);
    expect(sizeToBytes("1g")).toBe(1_073_741_824);
  });
});

describe("web.tls.acme", () => {
  const tls = (t: Record<string, unknown>) => errorsFor({ listen: 443, tls: t });
  it("takes acme with redirectFrom instead of certificate and key", () => {
    expect(tls({ acme: {}, redirectFrom: 80 })).toEqual([]);
    expect(tls({ acme: { email: "admin@example.com", directory: "https://acme-staging-v02.api.letsencrypt.org/directory" }, redirectFrom: 80 })).toEqual([]);
  });
  it("refuses acme together with certificate files, acme without the plain-HTTP port, and neither", () => {
    expect(tls({ acme: {}, certificate: "/etc/ssl/a.pem", key: "/etc/ssl/a.key", redirectFrom: 80 }).map((e) => e.path)).toEqual(["tls.acme"]);
    expect(tls({ acme: {} })[0]?.message).toMatch(/redirectFrom/);
    expect(tls({ redirectFrom: 80 })[0]?.message).toMatch(/certificate and key/);
    expect(tls({ certificate: "/etc/ssl/a.pem", redirectFrom: 80 })[0]?.message).toMatch(/certificate and key/);
  });
  it("refuses a directory that is not https and an email that is not one", () => {
    expect(tls({ acme: { directory: "http://ca.example/dir" }, redirectFrom: 80 })[0]?.path).toBe("tls.acme.directory");
    expect(tls({ acme: { directory: "https://ca.example/dir --server x" }, redirectFrom: 80 }).length).toBeGreaterThan(0);
    expect(tls({ acme: { email: "not an email" }, redirectFrom: 80 })[0]?.path).toBe("tls.acme.email");
  });
});
