// The agent bundle the control plane serves to install.sh and to upgrades: the built agent
// (`npm run build:agent`, dist/*.mjs) with its native modules (koffi, node-pty) for one
// architecture, as a reproducible .tar.gz. Its build id is a hash of what is in it, so an agent
// that reports another build runs other code.
import "server-only";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as tar from "tar";
import * as z from "zod";
import { err, ok, type Result } from "../result";

export const ArchSchema = z.string().regex(/^[a-z0-9_]{2,16}$/, "An architecture as Node names it (x64, arm64).");

export type AgentBundle = { arch: string; version: string; build: string; sha256: string; bytes: Buffer };

// Same names scripts/build-agent.mjs writes: the entry points and their hashed chunks.
const DIST_FILE = /^(agent(-\w+)?|log-keeper|unpack-worker)\.mjs$/;

const distDir = () => path.resolve(/*turbopackIgnore: true*/ process.env.STOKER_AGENT_DIST ?? "dist");
const modulesDir = () => path.resolve(/*turbopackIgnore: true*/ "node_modules");

function walk(dir: string, keep: (rel: string) => boolean, base = dir): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full, keep, base));
    else if (entry.isFile() && keep(path.relative(base, full))) out.push(path.relative(base, full));
  }
  return out;
}

/** [path in the bundle, file on this machine] for everything but build.json and package.json. */
function bundleFiles(arch: string): Result<[string, string][]> {
  const dist = distDir();
  const agentFiles = existsSync(dist) ? readdirSync(dist).filter((f) => DIST_FILE.test(f)) : [];
  if (!agentFiles.includes("agent.mjs")) {
    return err("NOT_FOUND", `This control plane has no built agent (${path.join(dist, "agent.mjs")}): run \`npm run build:agent\` where it runs.`);
  }
  const nm = modulesDir();
  const koffiNative = path.join(nm, "@koromix", `koffi-linux-${arch}`);
  // node-pty's own build is for the arch it was built on; other arches need a linux prebuild.
  const ptyNative = arch === process.arch ? path.join(nm, "node-pty", "build", "Release", "pty.node") : path.join(nm, "node-pty", "prebuilds", `linux-${arch}`, "pty.node");
  if (!existsSync(koffiNative) || !existsSync(ptyNative)) {
    return err("NOT_FOUND", `This control plane has no agent native modules for linux-${arch} (it has them for linux-${process.arch}). Install the agent from a checkout on that host: npm ci && npm run build:agent.`);
  }
  const files: [string, string][] = agentFiles.map((f) => [f, path.join(dist, f)]);
  const js = (rel: string) => /\.(c?js|json)$/.test(rel) && !rel.endsWith(".test.js") && !rel.startsWith("doc/");
  for (const rel of walk(path.join(nm, "koffi"), js)) files.push([`node_modules/koffi/${rel}`, path.join(nm, "koffi", rel)]);
  for (const rel of walk(koffiNative, (r) => js(r) || r.startsWith(`linux_${arch}/`))) files.push([`node_modules/@koromix/koffi-linux-${arch}/${rel}`, path.join(koffiNative, rel)]);
  files.push(["node_modules/node-pty/package.json", path.join(nm, "node-pty", "package.json")]);
  for (const rel of walk(path.join(nm, "node-pty", "lib"), js)) files.push([`node_modules/node-pty/lib/${rel}`, path.join(nm, "node-pty", "lib", rel)]);
  files.push(["node_modules/node-pty/build/Release/pty.node", ptyNative]);
  return ok(files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function packageVersion(): string {
  try {
    return z.object({ version: z.string() }).parse(JSON.parse(readFileSync(path.resolve(/*turbopackIgnore: true*/ "package.json"), "utf8"))).version;
  } catch {
    return "0.0.0";
  }
}

const cache = new Map<string, { fingerprint: string; bundle: AgentBundle }>();

/** The bundle for `arch` (Node's name: x64, arm64), built once per change of the files in it. */
export async function agentBundle(arch: string): Promise<Result<AgentBundle>> {
  const files = bundleFiles(arch);
  if (!files.ok) return files;
  const fingerprint = files.value.map(([rel, src]) => `${rel}:${statSync(src).size}:${statSync(src).mtimeMs}`).join("\n");
  const hit = cache.get(arch);
  if (hit?.fingerprint === fingerprint) return ok(hit.bundle);

  const hash = createHash("sha256");
  for (const [rel, src] of files.value) hash.update(`${rel}\0`).update(readFileSync(src)).update("\0");
  const build = hash.digest("hex").slice(0, 16);
  const version = packageVersion();
  const staging = mkdtempSync(path.join(os.tmpdir(), "stoker-agent-bundle-"));
  try {
    for (const [rel, src] of files.value) {
      mkdirSync(path.dirname(path.join(staging, rel)), { recursive: true });
      cpSync(src, path.join(staging, rel));
    }
    writeFileSync(path.join(staging, "build.json"), `${JSON.stringify({ version, build, arch })}\n`);
    writeFileSync(path.join(staging, "package.json"), `${JSON.stringify({ name: "stoker-agent", version, private: true, type: "module" })}\n`);
    const entries = ["build.json", "package.json", ...files.value.map(([rel]) => rel)];
    // Fixed times and no owner names: the same files give the same bytes, so the same checksum.
    const chunks: Buffer[] = [];
    const stream = tar.c({ gzip: true, cwd: staging, portable: true, mtime: new Date(0), noDirRecurse: true }, entries);
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
    const bytes = Buffer.concat(chunks);
    const bundle = { arch, version, build, sha256: createHash("sha256").update(bytes).digest("hex"), bytes };
    cache.set(arch, { fingerprint, bundle });
    return ok(bundle);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The archs this control plane can serve a bundle for (its own, and any with prebuilt natives). */
export function servedArchs(): string[] {
  const candidates = ["x64", "arm64"];
  return candidates.filter((a) => bundleFiles(a).ok);
}
