// The role map: parsing refuses bad entries, the highest match wins, `*` is the floor.
import { describe, expect, it } from "vitest";
import { mapRole, parseRoleMap, readGroups } from "./oidc-role-map";

const map = (text: string) => {
  const parsed = parseRoleMap(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
};

describe("parseRoleMap", () => {
  it("reads group=role pairs and keeps an = inside a group name", () => {
    expect(map(" stoker-admins=admin , a=b=operator,*=viewer")).toEqual([
      { group: "stoker-admins", role: "admin" },
      { group: "a=b", role: "operator" },
      { group: "*", role: "viewer" },
    ]);
  });

  it("refuses unknown roles, missing groups, an empty map and *=owner", () => {
    for (const bad of ["ops=root", "=admin", "ops", "", " , ", "*=owner"]) expect(parseRoleMap(bad).ok, bad).toBe(false);
  });
});

describe("mapRole", () => {
  const roles = map("stoker-admins=admin,oncall=operator,*=viewer");

  it("gives the highest role any group maps to", () => {
    expect(mapRole(["oncall", "stoker-admins"], roles)).toBe("admin");
    expect(mapRole(["oncall"], roles)).toBe("operator");
  });

  it("falls back to * and refuses when nothing matches and there is no *", () => {
    expect(mapRole(["sales"], roles)).toBe("viewer");
    expect(mapRole(["sales"], map("stoker-admins=admin"))).toBeNull();
  });

  it("grants owner only where the map names it", () => {
    expect(mapRole(["root"], map("root=owner,*=viewer"))).toBe("owner");
    expect(mapRole(["stoker-admins"], roles)).not.toBe("owner");
  });
});

describe("readGroups", () => {
  it("accepts a list, a single string and a dotted path, ignoring non-strings", () => {
    expect(readGroups({ groups: ["a", 1, "b"] }, "groups")).toEqual(["a", "b"]);
    expect(readGroups({ groups: "a" }, "groups")).toEqual(["a"]);
    expect(readGroups({ realm_access: { roles: ["ops"] } }, "realm_access.roles")).toEqual(["ops"]);
    expect(readGroups({ "https://x.example/groups": ["g"] }, "https://x.example/groups")).toEqual(["g"]);
    expect(readGroups({}, "groups")).toEqual([]);
  });
});
