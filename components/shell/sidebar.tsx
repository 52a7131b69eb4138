"use client";
// The left navigation: sections, the current user, log out. Below the md breakpoint (phones) it is a
// top bar whose menu opens on demand, so pages keep the whole width.
import { clsx } from "clsx";
import { Bell, BookOpen, Boxes, KeyRound, LogOut, Menu, ScrollText, Server, ShieldCheck, UserCog, Users, X } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { api } from "../api-client";
import { LiveIndicator } from "../live/live-indicator";
import { ThemeToggle } from "./theme-toggle";

const NAV = [
  { href: "/", label: "Apps", icon: Boxes },
  { href: "/hosts", label: "Hosts", icon: Server },
  { href: "/alerts", label: "Alerts", icon: Bell },
  { href: "/audit", label: "Audit", icon: ScrollText },
  { href: "/settings/users", label: "Users", icon: Users },
  { href: "/settings/tokens", label: "API tokens", icon: KeyRound },
  { href: "/settings/account", label: "Account", icon: UserCog },
  { href: "/settings/security", label: "Security", icon: ShieldCheck },
  { href: "/api-docs", label: "API docs", icon: BookOpen },
];

export function Sidebar({ email, role }: { email: string; role: string }) {
  const pathname = usePathname();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  // A link followed on a phone closes the menu.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on navigation, by design
  useEffect(() => setOpen(false), [pathname]);
  const logout = async () => {
    const done = await api<{ logoutUrl?: string }>("/auth/logout", { method: "POST" });
    // After SSO with STOKER_OIDC_LOGOUT=idp: sign out at the IdP too, which sends the browser back to /login.
    if (done.ok && done.value.logoutUrl) return window.location.assign(done.value.logoutUrl);
    router.push("/login");
    router.refresh();
  };
  return (
    <nav className="flex shrink-0 flex-col border-b border-line bg-panel md:h-full md:w-52 md:border-r md:border-b-0" aria-label="Main">
      <div className="flex items-center gap-2 px-4 py-3.5 font-semibold">
        <span className="inline-block size-3 rounded-sm bg-accent" aria-hidden />
        Stoker
        <button
          type="button"
          onClick={() => setOpen((o) => !o)}
          aria-expanded={open}
          aria-controls="main-nav-items"
          className="ml-auto rounded-md p-1 text-muted hover:bg-surface hover:text-ink md:hidden"
        >
          {open ? <X className="size-5" aria-hidden /> : <Menu className="size-5" aria-hidden />}
          <span className="sr-only">{open ? "Close menu" : "Open menu"}</span>
        </button>
      </div>
      <div id="main-nav-items" className={clsx("flex-1 flex-col pb-2 md:flex md:pb-0", open ? "flex" : "hidden")}>
      <ul className="flex-1 space-y-0.5 px-2">
        {NAV.map(({ href, label, icon: Icon }) => {
          const active = href === "/" ? pathname === "/" || pathname.startsWith("/apps") : pathname.startsWith(href);
          return (
            <li key={href}>
              <Link
                href={href}
                aria-current={active ? "page" : undefined}
                className={clsx("flex items-center gap-2 rounded-md px-2.5 py-1.5", active ? "bg-surface font-medium text-ink" : "text-muted hover:bg-surface hover:text-ink")}
              >
                <Icon className="size-4" aria-hidden />
                {label}
              </Link>
            </li>
          );
        })}
      </ul>
      <div className="space-y-2 border-t border-line p-3 text-xs">
        <div className="flex items-center justify-between">
          <LiveIndicator />
          <ThemeToggle />
        </div>
        <div className="truncate" title={email}>
          {email}
        </div>
        <div className="flex items-center justify-between">
          <span className="rounded bg-surface px-1.5 py-0.5 text-muted" data-testid="role">
            {role}
          </span>
          <button type="button" onClick={logout} className="inline-flex items-center gap-1 text-muted hover:text-ink">
            <LogOut className="size-3.5" aria-hidden /> Log out
          </button>
        </div>
      </div>
      </div>
    </nav>
  );
}
