// What `npm start` prints: one block with the address, how to log in (create the owner only while
// none exists), where the demo app runs and how to remove it; the same block, updated, next start.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack, waitUntil } from "./support/stack";

let stack: Stack;
const OWNER = { email: "first@example.com", password: "correct-horse-battery-staple" };

beforeAll(async () => {
  stack = await startStack({ STOKER_ADMIN_EMAIL: "", STOKER_ADMIN_PASSWORD: "" });
}, 180_000);

afterAll(async () => {
  await stack?.destroy();
});

const blocks = (text: string) => text.split("\n").filter((l) => l.includes("Stoker is running:")).length;

describe("npm start's first-run block", () => {
  it("says where Stoker runs, to create the owner, and that the demo app is about to start", async () => {
    await waitUntil(async () => stack.logs().includes(`Data: ${stack.dataDir}.`), 30_000, "the start-up block");
    const out = stack.logs();
    expect(blocks(out)).toBe(1);
    expect(out).toContain(`Stoker is running: ${stack.url}/`);
    expect(out).toContain(`Open ${stack.url}/ to create the owner account`);
    expect(out).toContain(`Demo app: starts on this machine in a few seconds (examples/demo/hello.mjs, socket ${stack.dataDir}/run/demo.sock);`);
    expect(out).toContain("remove it on its page (Delete)");
    expect(out).not.toContain("Route (app)"); // no build route table
    expect(out).not.toContain("No pending migrations");
  });

  it("once an owner exists, the next start no longer asks to create one and links the running demo app", async () => {
    const setup = await fetch(`${stack.url}/api/v1/auth/setup`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(OWNER) });
    expect(setup.status, await setup.text()).toBeLessThan(300);
    const apps = await waitUntil(async () => {
      const list = (await (await fetch(`${stack.url}/api/v1/apps`, { headers: { cookie: (setup.headers.get("set-cookie") ?? "").split(";")[0] } })).json()) as { id: string; name: string }[];
      return Array.isArray(list) && list.length ? list : null;
    }, 60_000, "the demo app");
    const before = stack.logs().length;
    await stack.stopStoker();
    await stack.startStoker();
    await waitUntil(async () => stack.logs().slice(before).includes(`Data: ${stack.dataDir}.`), 30_000, "the second start-up block");
    const out = stack.logs().slice(before);
    expect(blocks(out)).toBe(1);
    expect(out).not.toContain("create the owner");
    expect(out).toContain("Log in with your account.");
    expect(out).toMatch(new RegExp(`Demo app: 2 processes of examples/demo/hello\\.mjs on this machine, socket ${stack.dataDir}/run/demo\\.sock;`));
    expect(out).toContain(`${stack.url}/apps/${apps.find((a) => a.name === "demo")?.id} — remove it on its page (Delete)`);
  }, 180_000); // a second start of the control plane: as long as the first may take (beforeAll)
});
