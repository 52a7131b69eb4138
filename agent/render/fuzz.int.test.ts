// Fuzzes the web spec with hostile values in every field and checks the one property that
// matters: each spec is refused, or it renders to a config the REAL server accepts with every
// directive inside the app's own block. Accepted configs are validated in batches.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { AppSpecSchema, type WebServer } from "../../lib/protocol";
import { makeTempDir, run, testArgvFor, writeMainConfig } from "../../test/support/web-servers";
import { directiveNames, readApache, readLighttpd, readNginx } from "./config-structure";
import { renderWebConfig } from "./index";

const HOSTILE = ['"', "'", "{", "}", ";", "#", "$", "\n", "\r", "\t", "\u0000", "\\", " ", "`", "(", ")", "<", ">", "|", "&", "..", "%", "é", "\u2028", "\u202e", "日", "\u007f", "=", ",", "[", "]", "*", "?", "${x}", "{release}", "\u00a0", "/../"];
const piece = fc.oneof(fc.constantFrom(...HOSTILE), fc.constantFrom("a", "z", "0", ".", "-", "_", "/"), fc.string({ maxLength: 3 }), fc.string({ unit: "grapheme", maxLength: 2 }));
const hostile = fc.array(piece, { minLength: 1, maxLength: 6 }).map((a) => a.join(""));
/** Mostly a valid value, sometimes with something hostile spliced in, sometimes pure noise. */
function field<T extends string | number>(valid: fc.Arbitrary<T>): fc.Arbitrary<T | string> {
  const spliced = fc.tuple(valid, hostile, fc.nat()).map(([v, h, n]) => {
    const s = String(v);
    const at = n % (s.length + 1);
    return `${s.slice(0, at)}${h}${s.slice(at)}`;
  });
  return fc.oneof({ weight: 20, arbitrary: valid }, { weight: 3, arbitrary: spliced }, { weight: 1, arbitrary: hostile });
}

const specArb = fc.record({
  server: fc.constantFrom<WebServer>("nginx", "lighttpd", "apache"),
  serverName: field(fc.constantFrom("example.com", "a.b.c", "x-y.test", "localhost", "app1.internal")),
  listen: fc.oneof({ weight: 3, arbitrary: field(fc.constantFrom("127.0.0.1:8080", "0.0.0.0:81")) }, { weight: 3, arbitrary: fc.constantFrom(80, 8080) }, { weight: 1, arbitrary: fc.constantFrom(0, 70000, 1.5, -80) }),
  mount: field(fc.constantFrom("/", "/yourapplication", "/a/b", "/x.y", "/app/", "/~u")),
  static: fc.array(fc.record({ url: field(fc.constantFrom("/static", "/media/", "/s.t", "/a/b")), dir: field(fc.constantFrom("/srv/x/static", "/var/www/a+b@c", "/srv/x/")) }), { maxLength: 3 }),
  extra: fc.record({ clientMaxBodySize: field(fc.constantFrom("10m", "512k", "1g", "100")), readTimeoutS: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(1, 60) }, { weight: 1, arbitrary: fc.constantFrom(0, -1, 3.5, 86_401) }) }, { requiredKeys: [] }),
  php: fc.oneof(
    { weight: 4, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.record({ documentRoot: field(fc.constantFrom("/srv/x/public", "/var/www/a+b")), frontController: field(fc.constantFrom("/index.php", "/yourapplication/index.php", "/a.php/x")) }, { requiredKeys: ["documentRoot"] }) },
  ),
  params: fc.dictionary(field(fc.constantFrom("APP_ENV", "X1", "DEBUG", "TZ")), field(fc.constantFrom("production", "a b", "{release}/x", "50%", "k=v,w", "")), { maxKeys: 3 }),
  socket: fc.oneof(fc.record({ path: field(fc.constantFrom("/run/app.sock", "/tmp/a@b+c.sock")) }), fc.record({ tcp: field(fc.constantFrom("127.0.0.1:9000", "localhost:9001")) })),
});

const READERS = { nginx: readNginx, lighttpd: readLighttpd, apache: readApache };
/** The top-level nodes of one rendered site: lighttpd's also loads the modules it needs first. */
const TOP: Record<WebServer, string[]> = { nginx: ["server"], lighttpd: ["server.modules", "$SERVER["], apache: ["VirtualHost"] };
/** Every directive a renderer may emit; anything else would be an injection. */
const ALLOWED: Record<WebServer, Set<string>> = {
  nginx: new Set(["server", "listen", "server_name", "client_max_body_size", "location", "alias", "fastcgi_split_path_info", "fastcgi_param", "fastcgi_read_timeout", "fastcgi_pass", "fastcgi_buffer_size", "fastcgi_buffers", "root", "index", "try_files", "set", "return"]),
  lighttpd: new Set(["server.modules", "$SERVER[", "$HTTP[", "server.max-request-size", "alias.url", "setenv.add-environment", "fastcgi.server", "server.document-root", "index-file.names", "url.rewrite-if-not-file", "accesslog.format"]),
  apache: new Set(["VirtualHost", "ServerName", "UseCanonicalName", "UseCanonicalPhysicalPort", "AllowEncodedSlashes", "RewriteEngine", "RewriteCond", "RewriteRule", "ProxyTimeout", "ProxyPass", "Alias", "Directory", "Require", "Options", "ProxyFCGIBackendType", "SetEnv", "ProxyPassMatch", "ProxyFCGISetEnvIf", "ServerAlias", "LocationMatch", "DocumentRoot", "AllowOverride", "DirectoryIndex", "AcceptPathInfo", "FilesMatch", "If", "SetHandler"]),
};

/**
 * The lines that say which site a config is (address and host name), as rendered: two specs whose
 * values differ but render the same site (":81" and "0.0.0.0:81") are the same site to the server.
 */
function siteIdentity(text: string): string {
  return text
    .split("\n")
    .filter((l) => /^\s*(listen |server_name |\$SERVER\[|\$HTTP\["host"\]|<VirtualHost |ServerName )/.test(l))
    .map((l) => l.trim())
    .join("|");
}

const RUNS = 10_000;
const BATCH = 400;

describe("hostile web specs", () => {
  const accepted: Record<WebServer, { key: string; text: string }[]> = { nginx: [], lighttpd: [], apache: [] };
  let refused = 0;
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it(`refuses or safely renders each of ${RUNS} generated specs`, () => {
    fc.assert(
      fc.property(specArb, (g) => {
        const parsed = AppSpecSchema.safeParse({
          name: "fuzz",
          hostId: "h",
          command: ["/bin/true"],
          socket: g.socket,
          fastcgiParams: g.params,
          web: { server: g.server, serverName: g.serverName, listen: g.listen, mount: g.mount, static: g.static, extra: g.extra, ...g.php },
        });
        if (!parsed.success) {
          // Refusals must say which field is wrong.
          expect(parsed.error.issues.every((i) => i.message.length > 10)).toBe(true);
          refused++;
          return;
        }
        for (const kind of ["nginx", "lighttpd", "apache"] as const) {
          const r = renderWebConfig(parsed.data, kind);
          if (!r.ok) {
            expect(r.fields?.length ?? 0).toBeGreaterThan(0);
            refused++;
            continue;
          }
          // Read the text back: exactly the site's top-level nodes, only known directives.
          expect(/[\u0000-\u0008\u000b-\u001f\u007f\u0080-\uffff]/.test(r.value)).toBe(false);
          const tree = READERS[kind](r.value);
          expect(tree.map((n) => n.name)).toEqual(TOP[kind]);
          for (const name of directiveNames(tree)) expect(ALLOWED[kind].has(name), `${kind}: ${name}`).toBe(true);
          accepted[kind].push({ key: siteIdentity(r.value), text: r.value });
        }
      }),
      { numRuns: RUNS },
    );
    expect(refused).toBeGreaterThan(RUNS / 10);
    // Both outcomes must be common, or the fuzzer is only exercising one side.
    expect(accepted.nginx.length).toBeGreaterThan(RUNS / 20);
    console.log(`fuzz: ${refused} refusals, ${accepted.nginx.length} specs accepted and rendered for each server`);
  });

  it.each(["nginx", "lighttpd", "apache"] as const)("every accepted config passes the real %s validator", async (kind) => {
    expect(accepted[kind].length).toBeGreaterThan(0);
    // One config per site in a batch: two apps on the same site clash by design (both set the body
    // limit, both claim "/"), not by injection.
    const batches: { keys: Set<string>; texts: string[] }[] = [];
    for (const a of accepted[kind]) {
      let b = batches.find((x) => x.texts.length < BATCH && !x.keys.has(a.key));
      if (!b) {
        b = { keys: new Set(), texts: [] };
        batches.push(b);
      }
      b.keys.add(a.key);
      b.texts.push(a.text);
    }
    for (const b of batches) {
      const prefix = makeTempDir(`fuzz-${kind}`);
      dirs.push(prefix);
      const sites = path.join(prefix, "sites");
      mkdirSync(sites, { recursive: true });
      for (const [i, t] of b.texts.entries()) writeFileSync(path.join(sites, `site-${i}.conf`), t);
      const main = writeMainConfig(kind, prefix, 18080, sites);
      const r = await run(testArgvFor(kind, prefix, main));
      expect(r.code, r.output.slice(0, 2000)).toBe(0);
    }
  }, 120_000);
});
