// Module resolve hook (see node-hooks.mjs): `server-only` → its no-op module.
const EMPTY = new URL("../node_modules/server-only/empty.js", import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === "server-only") return { url: EMPTY, shortCircuit: true, format: "commonjs" };
  return next(specifier, context);
}
