// install.sh as served to a host: scripts/agent-install.sh with this control plane's URL and the
// checksum and build of the bundle for each architecture it serves filled in, so the script checks
// what it downloads against what it was told.
import "server-only";
import { readFileSync } from "node:fs";
import path from "node:path";
import { config } from "../config";
import { err, ok, type Result } from "../result";
import { agentBundle, servedArchs } from "./agent-bundle";

// Goes between single quotes in the script, and is typed into argv and a unit file by it.
const SafeUrl = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?|^https?:\/\/\[[0-9a-fA-F:]+\](:\d{1,5})?/;

/** The URL a host reaches this control plane at: STOKER_PUBLIC_URL, else what the request was sent to. */
export function controlPlaneUrl(req: Request): Result<string> {
  let url = process.env.STOKER_PUBLIC_URL?.replace(/\/+$/, "");
  if (!url) {
    const origin = new URL(req.url);
    const host = req.headers.get("host");
    if (host) origin.host = host;
    if (req.headers.get("x-forwarded-proto") === "https") origin.protocol = "https:";
    url = `${origin.origin}${config.basePath}`;
  }
  const m = url.match(SafeUrl);
  if (!m || !/^[A-Za-z0-9/._-]*$/.test(url.slice(m[0].length))) {
    return err("BAD_REQUEST", "This control plane's address (Host header or STOKER_PUBLIC_URL) is not one an install script can use.");
  }
  return ok(url);
}

export async function installScript(url: string): Promise<Result<string>> {
  const lines: string[] = [];
  for (const arch of servedArchs()) {
    const b = await agentBundle(arch);
    if (b.ok) lines.push(`${arch} ${b.value.sha256} ${b.value.build}`);
  }
  if (!lines.length) {
    const why = await agentBundle(process.arch);
    return why.ok ? err("NOT_FOUND", "This control plane serves no agent bundle.") : why;
  }
  const template = readFileSync(path.resolve(/*turbopackIgnore: true*/ "scripts/agent-install.sh"), "utf8");
  return ok(template.replace("@@URL@@", url).replace("@@BUNDLES@@", lines.join("\n")));
}
