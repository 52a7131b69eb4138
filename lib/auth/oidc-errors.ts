// What the login page says after a refused SSO login. The redirect carries only a code from this
// table, so a crafted /login?error=… link cannot put words on the page.
export const OIDC_ERRORS = {
  "sso-off": "Single sign-on is not configured.",
  "sso-unavailable": "The identity provider cannot be reached; try again, or log in with a password.",
  "sso-expired": "That sign-in expired or was already used; start again.",
  "sso-failed": "The identity provider's answer could not be verified; start again.",
  "sso-denied": "The identity provider did not sign you in.",
  "sso-no-email": "The identity provider sent no verified email address.",
  "sso-domain": "Your email domain may not sign in here.",
  "sso-no-role": "Your account is in no group that has access to Stoker; ask an admin.",
  "sso-rate": "Too many login attempts; wait a minute.",
  "sso-link-needed": "An account with this email already signs in with a password. Log in with your password, then link single sign-on from your Account page.",
  "sso-linked-elsewhere": "This email belongs to an account linked to another single sign-on identity; ask an admin.",
  "sso-identity-taken": "That single sign-on identity is already linked to another Stoker account.",
} as const;
export type OidcErrorCode = keyof typeof OIDC_ERRORS;

export function oidcErrorMessage(code: string | undefined): string | null {
  if (!code) return null;
  return Object.hasOwn(OIDC_ERRORS, code) ? OIDC_ERRORS[code as OidcErrorCode] : "Single sign-on failed; start again.";
}
