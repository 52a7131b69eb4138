// Keeps this process's young generation at V8's initial size (1 MiB semi-spaces) instead of letting
// it grow to 8-16 MiB while the agent starts and keeping that for ever: 6-11 MiB of RSS at rest
// (docs/BENCHMARKS.md, "Agent memory at rest"). V8 reads the growth factor each time it would grow
// the young generation, so setting it here, before the rest of the code loads, is early enough.
// Imported first by the agent (main.ts) and the log keeper; the bundle (scripts/build-agent.mjs) puts
// the same call in front of every chunk, since a bundled chunk runs after the chunks it imports.
import { setFlagsFromString } from "node:v8";

setFlagsFromString("--semi-space-growth-factor=1");
