// For server-rendered pages: the logged-in user, or a redirect to /setup or /login.
import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { RoleSchema } from "./roles";
import type { UserActor } from "./authenticate";
import { findSessionUser, SESSION_COOKIE } from "./sessions";
import { hasAnyUser } from "./users";

export async function pageUser(): Promise<UserActor> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  const found = token ? await findSessionUser(token) : null;
  if (!found) redirect((await hasAnyUser()) ? "/login" : "/setup");
  return { type: "user", userId: found.user.id, email: found.user.email, role: RoleSchema.parse(found.user.role) };
}
