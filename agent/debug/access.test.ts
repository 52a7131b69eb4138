// Permission arithmetic: exactly one class (owner, group, other) applies, as in the kernel.
import { describe, expect, it } from "vitest";
import { modeAllows } from "./access";

const web = { name: "www-data", uid: 33, gids: [33] };

describe("modeAllows", () => {
  it("uses the owner bits for the owner, even when group or other would allow more", () => {
    expect(modeAllows({ uid: 33, gid: 0, mode: 0o0066 }, web, "w")).toBe(false);
    expect(modeAllows({ uid: 33, gid: 0, mode: 0o0600 }, web, "w")).toBe(true);
  });

  it("uses the group bits for a member and the other bits for everyone else", () => {
    expect(modeAllows({ uid: 0, gid: 33, mode: 0o0660 }, web, "w")).toBe(true);
    expect(modeAllows({ uid: 0, gid: 0, mode: 0o0660 }, web, "w")).toBe(false);
    expect(modeAllows({ uid: 0, gid: 0, mode: 0o0751 }, web, "x")).toBe(true);
    expect(modeAllows({ uid: 0, gid: 33, mode: 0o0701 }, web, "x")).toBe(false); // group class, no g+x
  });

  it("lets root read and write anything but execute only files with some x bit", () => {
    const root = { name: "root", uid: 0, gids: [0] };
    expect(modeAllows({ uid: 1, gid: 1, mode: 0o100000 }, root, "w")).toBe(true);
    expect(modeAllows({ uid: 1, gid: 1, mode: 0o100644 }, root, "x")).toBe(false);
    expect(modeAllows({ uid: 1, gid: 1, mode: 0o100744 }, root, "x")).toBe(true);
  });
});
