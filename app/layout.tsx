// Root layout: theme (dark mode before first paint, no flash) and the toast area.
import type { Metadata } from "next";
import { Toaster } from "@/components/ui/toaster";
import "./globals.css";

export const metadata: Metadata = { title: "Stoker", description: "Control plane for FastCGI apps" };

const THEME_SCRIPT = `try{var t=localStorage.getItem("stoker-theme");if(t==="dark"||(!t&&matchMedia("(prefers-color-scheme: dark)").matches))document.documentElement.classList.add("dark")}catch(e){}`;

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        {/* biome-ignore lint/security/noDangerouslySetInnerHtml: a constant script, no user data */}
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body className="min-h-screen font-sans text-sm antialiased">
        {children}
        <Toaster />
      </body>
    </html>
  );
}
