// Starts unpack-worker.ts from source (the agent under tsx, the tests under vitest); the bundled
// agent starts dist/unpack-worker.mjs instead.
import { register } from "tsx/esm/api";

register();
await import("./unpack-worker.ts");
