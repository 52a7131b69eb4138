// Whether the checkout at `root` needs `npm run build`: no dashboard build, or one
// (or an agent bundle) older than its sources. Asked by `npm start` and the integration tests' setup.
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export function needsBuild(root = process.cwd(), distDir = process.env.STOKER_DIST_DIR || ".next") {
  const at = (p) => path.join(root, p);
  const id = at(`${distDir}/BUILD_ID`);
  if (!existsSync(id)) return true;
  const built = statSync(id).mtimeMs;
  if (["app", "components", "lib"].some((d) => newestMtime(at(d)) > built) || statSync(at("next.config.js")).mtimeMs > built) return true;
  const agent = at("dist/agent.mjs");
  if (!existsSync(agent) || !existsSync(at("dist/log-keeper.mjs")) || !existsSync(at("dist/unpack-worker.mjs"))) return true;
  return newestMtime(at("agent")) > statSync(agent).mtimeMs || newestMtime(at("lib/protocol")) > statSync(agent).mtimeMs;
}
