// GET: whether single sign-on is configured, and its button label (for the login page and CLI).
import { oidcStatus } from "@/lib/auth/oidc";
import { publicHandler } from "@/lib/http/handler";

export const GET = publicHandler(async () => Response.json(oidcStatus()));
