// Root layout: theme (dark mode before first paint, no flash) and the toast area.
import type { Metadata } from "next";
import { ThemeClass } from "@/components/shell/theme-class";
import { Toaster } from "@/components/ui/toaster";
import "./globals.css";

export const metadata: Metadata = { title: "Stoker", description: "Control plane for FastCGI apps" };

// Follows the system setting, also when it changes while the page is open, until the user picks
// one with the toggle (remembered in localStorage).
const THEME_SCRIPT = `try{var m=matchMedia("(prefers-color-scheme: dark)"),f=function(){var t=localStorage.getItem("stoker-theme");document.documentElement.classList.toggle("dark",t==="dark"||(!t&&m.matches))};f();m.addEventListener("change",f)}catch(e){}`;

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        {/* biome-ignore lint/security/noDangerouslySetInnerHtml: a constant script, no user data */}
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body className="min-h-screen font-sans text-sm antialiased">
        <ThemeClass />
        {children}
        <Toaster />
      </body>
    </html>
  );
}
