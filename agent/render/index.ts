// A site (see lib/protocol/site.ts) → web-server config text, for nginx, lighttpd or Apache. Pure: no I/O.
// Refuses (BAD_REQUEST with field errors) anything that could escape its place in the config, and
// apps of one site that claim the same URLs.
import { type AppSpec, err, ok, type Result, type Site, siteOf, type WebServer } from "../../lib/protocol";
import { renderApache } from "./apache";
import { renderLighttpd } from "./lighttpd";
import { renderNginx } from "./nginx";
import { prepareSite, UnsafeValueError } from "./render-input";

export { renderApache } from "./apache";
export { renderLighttpd } from "./lighttpd";
export { renderNginx } from "./nginx";

/** The whole file of a site: every member app's mount inside one server block. */
export function renderSite(site: Site, opts: { logDir?: string; acmeStateDir?: string } = {}): Result<string> {
  const input = prepareSite(site, opts.logDir, opts.acmeStateDir);
  if (!input.ok) return input;
  try {
    const render = { nginx: renderNginx, lighttpd: renderLighttpd, apache: renderApache }[input.value.server];
    return ok(render(input.value));
  } catch (e) {
    // Only reachable if the schema and a renderer disagree; refuse rather than emit a bad config.
    if (e instanceof UnsafeValueError) {
      return err("BAD_REQUEST", e.message, { fields: [{ path: e.field, message: e.message }] });
    }
    throw e;
  }
}

/** One app rendered as a site of its own (or, with `siblings`, with the apps it shares a site with). */
export function renderWebConfig(spec: AppSpec, server?: WebServer, siblings: readonly AppSpec[] = []): Result<string> {
  const site = siteOf(spec, siblings, server);
  if (!site) {
    return err("BAD_REQUEST", "This app has no web section: add web.server, web.serverName and web.mount to render a config.", {
      fields: [{ path: "web", message: "Add a web section to put this app behind a web server." }],
    });
  }
  return renderSite(site);
}
