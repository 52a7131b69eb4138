// A build step of the agent bundle (scripts/build-agent.mjs): marks every top-level `const` of the
// shared protocol (lib/protocol/*.ts) as pure, so that esbuild leaves out the schemas the agent never
// uses. A zod schema is built by function calls, which a bundler must otherwise keep for their
// possible side effects: without this the agent built and held the schemas of the dashboard, the
// alerts and the replicas too (46 KB of the protocol's code at start instead of 33 KB, and ~1.5 MiB
// more RSS at rest: docs/BENCHMARKS.md, "Agent memory at rest"). Nothing in lib/protocol may rely on
// a top-level const being built for its side effect alone (a registration): it would be left out.
// The protocol's files are formatted by biome: a top-level statement starts at column 0 and its
// continuation lines are indented or close a bracket at column 0, so a line scan finds each one.
import { readFile } from "node:fs/promises";

const DECL = /^((?:export )?const \w+(?:: .+?)? = )(.*)$/;
const NEW_STATEMENT = /^[^\s)\]}]/;
// The statement's last line: its `;`, then perhaps a comment.
const LAST_LINE = /^(.*);(\s+\/\/.*)?$/;
// Initializers with nothing to leave out (a string, number or regex literal, a plain name).
const NOTHING_TO_DROP = /^(["'`\d/-]|\w+;$)/;

/** The source with each top-level `const NAME = EXPR;` rewritten to `const NAME = PURE (() => (EXPR))();`. */
export function markPure(source) {
  const lines = source.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = DECL.exec(lines[i]);
    if (!m || NOTHING_TO_DROP.test(m[2])) continue;
    let end = i;
    for (let j = i + 1; j < lines.length && !NEW_STATEMENT.test(lines[j]); j++) if (lines[j].trim()) end = j;
    if (!LAST_LINE.test(lines[end])) throw new Error(`pure-schemas: no end found for the statement at line ${i + 1}: ${lines[i]}`);
    lines[i] = `${m[1]}/* @__PURE__ */ (() => (${m[2]}`;
    lines[end] = lines[end].replace(LAST_LINE, "$1))();$2");
    i = end;
  }
  return lines.join("\n");
}

/** The esbuild plugin: applies markPure to lib/protocol's modules (not their tests). */
export const pureSchemas = {
  name: "pure-schemas",
  setup(build) {
    build.onLoad({ filter: /\/lib\/protocol\/[\w-]+\.ts$/ }, async (args) => {
      return { contents: markPure(await readFile(args.path, "utf8")), loader: "ts" };
    });
  },
};
