// The bundle's entry for the agent (dist/agent.mjs): V8's settings for a small agent (./small-heap)
// are made before Node resolves and links the agent's modules, which is already enough work for V8
// to optimize a Node-internal function (path normalization) when this module imports them directly.
import "./small-heap";

await import("./main");
