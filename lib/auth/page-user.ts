// For server-rendered pages: the logged-in user, or a redirect to /setup, /login, or /two-factor
// (the owner requires a second factor this user has not set up yet).
import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { RoleSchema } from "./roles";
import type { UserActor } from "./authenticate";
import { findSessionUser, SESSION_COOKIE } from "./sessions";
import { mustEnrol } from "./two-factor-policy";
import { hasAnyUser } from "./users";

/** `enrolment`: the page where a user the owner's second-factor rule holds back sets it up. */
export async function pageUser(opts: { enrolment?: boolean } = {}): Promise<UserActor> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  const found = token ? await findSessionUser(token) : null;
  if (!found) redirect((await hasAnyUser()) ? "/login" : "/setup");
  if (!opts.enrolment && (await mustEnrol(found.user, found.session.via))) redirect("/two-factor");
  return { type: "user", userId: found.user.id, email: found.user.email, role: RoleSchema.parse(found.user.role) };
}
