// Which agent this is: its version and, when it runs from a bundle the control plane served
// (install.sh), the bundle's build id and the install prefix (the bundle sits in PREFIX/releases/BUILD).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as z from "zod";

/** The version of a checkout (package.json's); a bundle says its own in build.json. */
export const SOURCE_VERSION = "0.1.0";

export const BuildInfoSchema = z.object({
  version: z.string().max(64),
  build: z.string().regex(/^[0-9a-f]{12,64}$/),
  arch: z.string().max(32),
});

export type AgentBuild = { version: string; build: string | null; prefix: string | null };

let cached: AgentBuild | null = null;

/** This agent's build; `prefix` only for an agent install.sh installed (it can upgrade in place). */
export function agentBuild(): AgentBuild {
  if (cached) return cached;
  // A bundle's chunks sit beside agent.mjs and build.json; realpath'd by the ESM loader, so an
  // agent started through PREFIX/current finds PREFIX/releases/BUILD here.
  const here = path.dirname(fileURLToPath(import.meta.url));
  let info: z.infer<typeof BuildInfoSchema> | null = null;
  try {
    const parsed = BuildInfoSchema.safeParse(JSON.parse(readFileSync(path.join(here, "build.json"), "utf8")));
    info = parsed.success ? parsed.data : null;
  } catch {
    // a checkout: no build.json
  }
  const releases = path.dirname(here);
  const prefix = info && path.basename(releases) === "releases" && existsSync(path.join(releases, "..", "install.env")) ? path.dirname(releases) : null;
  cached = { version: info?.version ?? SOURCE_VERSION, build: info?.build ?? null, prefix };
  return cached;
}
