// GET: all users with their role and last activity. Admin.
import { listUsers } from "@/lib/auth/manage-users";
import { handler } from "@/lib/http/handler";

export const GET = handler("users.manage", async () => Response.json(await listUsers()));
