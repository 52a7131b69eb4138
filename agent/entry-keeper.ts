// The bundle's entry for the log keeper (dist/log-keeper.mjs): V8's settings for a small process
// (./small-heap) are made before Node resolves and links the keeper's modules (see entry-agent.ts).
import "./small-heap";

await import("./keeper/log-keeper");
