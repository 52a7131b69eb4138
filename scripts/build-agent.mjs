// Bundles the agent (dist/agent.mjs, dist/log-keeper.mjs for its log keeper, dist/unpack-worker.mjs for release archives): starts faster and uses ~40% less memory than running the
// TypeScript through tsx. Minified, because V8 keeps every module's source text in memory; code
// that only some agents need (the WebSocket client) is split into chunks loaded on first use.
// Native modules (koffi, node-pty) stay external.
import { existsSync, readdirSync, rmSync } from "node:fs";
import { build } from "esbuild";
import { pureSchemas } from "./pure-schemas.mjs";

// Chunk names carry a content hash: remove the previous build's so dist/ holds one agent.
const previous = existsSync("dist") ? readdirSync("dist").filter((f) => /^(agent(-\w+)?|log-keeper|unpack-worker)\.mjs$/.test(f)) : [];
for (const f of previous) rmSync(`dist/${f}`);

await build({
  entryPoints: { agent: "agent/entry-agent.ts", "log-keeper": "agent/entry-keeper.ts", "unpack-worker": "agent/deploy/unpack-worker.ts" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outdir: "dist",
  entryNames: "[name]",
  chunkNames: "agent-[hash]",
  outExtension: { ".js": ".mjs" },
  splitting: true,
  minify: true,
  legalComments: "none",
  external: ["koffi", "node-pty"],
  plugins: [pureSchemas],
  // The young-generation cap and the start-up size mode (agent/small-heap.ts) in front of every
  // chunk: a chunk's code runs once the chunks it imports have run, so only this puts them before the
  // first allocation of the release unpacker; the agent and the keeper have them from their entries
  // (agent/entry-*.ts), with the optimizing compiler off until work comes. The size mode once per
  // process: a chunk loaded after start-up (a room, agent/supervisor/rooms.ts) must not turn it on again.
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); import { setFlagsFromString as __stokerV8Flags } from 'node:v8'; __stokerV8Flags('--semi-space-growth-factor=1'); if (globalThis.__stokerStartup === undefined) { globalThis.__stokerStartup = true; __stokerV8Flags('--optimize-for-size'); }",
  },
  logLevel: "warning",
});
