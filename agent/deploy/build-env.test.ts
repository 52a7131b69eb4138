import { describe, expect, it } from "vitest";
import { AppSpecSchema } from "../../lib/protocol";
import { buildIdentity } from "./build-steps";

describe("a build step's environment", () => {
  it("is the app's, with every secret env value handed over as a plain string", () => {
    const spec = AppSpecSchema.parse({ name: "a", hostId: "h", command: ["/bin/true"], user: "nobody", socket: { path: "/run/stoker/a.sock" }, env: { DB_PASSWORD: { secret: "build-sees-it" }, MODE: "x" } });
    const who = buildIdentity(spec, true);
    expect(who.ok && who.value.env).toMatchObject({ DB_PASSWORD: "build-sees-it", MODE: "x" });
  });
});
