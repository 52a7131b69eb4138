// AppSpec → web-server config text, for nginx, lighttpd or Apache. Pure: no I/O.
// Refuses (BAD_REQUEST with field errors) anything that could escape its place in the config.
import { type AppSpec, err, ok, type Result, type WebServer } from "../../lib/protocol";
import { renderApache } from "./apache";
import { renderLighttpd } from "./lighttpd";
import { renderNginx } from "./nginx";
import { prepareRenderInput, UnsafeValueError } from "./render-input";

export { renderApache } from "./apache";
export { renderLighttpd } from "./lighttpd";
export { renderNginx } from "./nginx";

export function renderWebConfig(spec: AppSpec, server?: WebServer): Result<string> {
  const input = prepareRenderInput(spec, server);
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

/** The conventional file name for an app's snippet in the server's include directory. */
export function snippetFileName(app: string, server: WebServer): string {
  return server === "lighttpd" ? `90-stoker-${app}.conf` : `stoker-${app}.conf`;
}
