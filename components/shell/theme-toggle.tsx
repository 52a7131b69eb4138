"use client";
// Light/dark switch, remembered in localStorage.
import { Moon, Sun } from "lucide-react";
import { THEME_KEY } from "./theme-class";

export function ThemeToggle() {
  const toggle = () => {
    const dark = document.documentElement.classList.toggle("dark");
    localStorage.setItem(THEME_KEY, dark ? "dark" : "light");
  };
  return (
    <button type="button" onClick={toggle} className="rounded p-1.5 text-muted hover:bg-surface hover:text-ink" aria-label="Toggle dark mode">
      <Sun className="hidden size-4 dark:block" aria-hidden />
      <Moon className="size-4 dark:hidden" aria-hidden />
    </button>
  );
}
