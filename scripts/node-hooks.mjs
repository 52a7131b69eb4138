// Lets plain Node (server.ts under tsx) load lib modules marked `import "server-only"`:
// that package throws outside React's server condition, so resolve it to its empty module.
import { register } from "node:module";

register("./server-only-hook.mjs", import.meta.url);
