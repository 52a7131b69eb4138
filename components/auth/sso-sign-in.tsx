// The login page's single sign-on part: a plain link to the start route (a full navigation to the
// IdP, so no client code) and the message of a refused SSO login.
export function SsoSignIn({ href, label, enabled }: { href: string; label: string; enabled: boolean }) {
  if (!enabled) return null;
  return (
    <>
      <a
        href={href}
        className="inline-flex h-8 w-full items-center justify-center rounded-md border border-transparent bg-accent px-3 text-sm font-medium text-white hover:brightness-110"
      >
        {`Sign in with ${label}`}
      </a>
      <div className="my-4 flex items-center gap-2 text-xs text-muted" aria-hidden>
        <span className="h-px flex-1 bg-line" /> or with a password <span className="h-px flex-1 bg-line" />
      </div>
    </>
  );
}

export function LoginError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p role="alert" className="mb-3 rounded-md bg-red-50 px-2.5 py-1.5 text-xs text-red-800 dark:bg-red-950 dark:text-red-300">
      {message}
    </p>
  );
}
