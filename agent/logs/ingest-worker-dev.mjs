// Starts ingest-worker.ts from source (the agent under tsx, the tests under vitest); the bundled
// agent starts dist/ingest-worker.mjs instead.
import { register } from "tsx/esm/api";

register();
await import("./ingest-worker.ts");
