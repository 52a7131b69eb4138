// Unit tests for the site model: which apps form one site, its key and file name, and the
// conflicts between apps of one site that are refused with both apps named.
import { describe, expect, it } from "vitest";
import { type AppSpec, type AppSpecInput, AppSpecSchema } from "../protocol";
import { siteConflicts, siteFileName, siteOf, sitesOf } from "./site";

function app(name: string, web: Partial<NonNullable<AppSpecInput["web"]>> = {}): AppSpec {
  return AppSpecSchema.parse({
    name,
    hostId: "h1",
    command: ["/bin/true"],
    socket: { path: `/run/stoker/${name}.sock` },
    web: { server: "nginx", serverName: "localhost", listen: 8080, mount: "/", ...web },
  });
}

describe("siteOf", () => {
  it("puts apps with the same server, serverName and listen into one site, sorted by name", () => {
    const a = app("b-app", { mount: "/yourapplication" });
    const b = app("a-app", { mount: "/deployed" });
    const site = siteOf(a, [a, b, app("other", { serverName: "example.com" })]);
    expect(site?.apps.map((x) => x.name)).toEqual(["a-app", "b-app"]);
    expect(site?.key).toBe("nginx localhost *:8080");
    expect(site?.fileName).toBe("stoker-site-localhost-8080.conf");
  });

  it("treats listen 8080 and 0.0.0.0:8080 as the same site, and 127.0.0.1:8080 as another", () => {
    const a = app("a", { listen: 8080 });
    expect(siteOf(a, [a, app("b", { listen: "0.0.0.0:8080", mount: "/b" })])?.apps).toHaveLength(2);
    expect(siteOf(a, [a, app("c", { listen: "127.0.0.1:8080", mount: "/c" })])?.apps).toHaveLength(1);
  });

  it("keeps apps on different servers apart, and places a ?server= override on that server", () => {
    const a = app("a");
    const l = app("l", { server: "lighttpd", mount: "/l" });
    expect(siteOf(a, [a, l])?.apps.map((x) => x.name)).toEqual(["a"]);
    const asLighttpd = siteOf(a, [a, l], "lighttpd");
    expect(asLighttpd?.apps.map((x) => [x.name, x.web.server])).toEqual([
      ["a", "lighttpd"],
      ["l", "lighttpd"],
    ]);
    expect(asLighttpd?.fileName).toBe("90-stoker-site-localhost-8080.conf");
  });

  it("uses the given spec of the app rather than a stale copy in the list", () => {
    const fresh = app("a", { mount: "/new" });
    expect(siteOf(fresh, [app("a", { mount: "/old" })])?.apps[0].web.mount).toBe("/new");
  });

  it("has no site for an app without a web section", () => {
    const bare = AppSpecSchema.parse({ name: "x", hostId: "h", command: ["/bin/true"], socket: { path: "/run/x.sock" } });
    expect(siteOf(bare, [bare])).toBeNull();
    expect(sitesOf([bare, app("a")]).map((s) => s.key)).toEqual(["nginx localhost *:8080"]);
  });

  it("names the file after the address when the site listens on one address", () => {
    expect(siteFileName({ server: "apache", serverName: "a.test", host: "127.0.0.1", port: 81 })).toBe("stoker-site-a.test-127.0.0.1-81.conf");
  });
});

describe("siteConflicts", () => {
  it("refuses two apps on one mount, naming both apps and the site", () => {
    const a = app("alpha");
    const site = siteOf(a, [a, app("beta")]);
    const c = site ? siteConflicts(site) : [];
    expect(c).toHaveLength(1);
    expect(c[0].message).toContain('"alpha"');
    expect(c[0].message).toContain('"beta"');
    expect(c[0].message).toContain("localhost:8080");
  });

  it("accepts two apps on different mounts of one site", () => {
    const a = app("a", { mount: "/yourapplication" });
    const site = siteOf(a, [a, app("b", { mount: "/deployed" })]);
    expect(site && siteConflicts(site)).toEqual([]);
  });

  it("refuses a static URL that another app mounts, and one static URL from two directories", () => {
    const a = app("a", { mount: "/", static: [{ url: "/b", dir: "/srv/a/b" }, { url: "/s", dir: "/srv/a/s" }] });
    const site = siteOf(a, [a, app("b", { mount: "/b", static: [{ url: "/s", dir: "/srv/b/s" }] })]);
    const messages = (site ? siteConflicts(site) : []).map((c) => c.message);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/"a" serves \/b .* "b" is mounted there/);
    expect(messages[1]).toMatch(/"a" and "b" both serve \/s/);
  });

  it("refuses apps of one site with different TLS settings", () => {
    const tls = { certificate: "/etc/ssl/a.pem", key: "/etc/ssl/a.key" };
    const a = app("a", { listen: 443, tls });
    const site = siteOf(a, [a, app("b", { listen: 443, mount: "/b" })]);
    expect((site ? siteConflicts(site) : [])[0]?.path).toBe("web.tls");
  });
});
