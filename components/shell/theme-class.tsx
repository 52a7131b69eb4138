"use client";
// Keeps the dark class on <html> after React renders it. The inline script in the root layout sets
// it before first paint, but when a hydration error makes React 19 render the root again on the
// client, React resets <html>'s attributes to its props and the class is lost: a dark-mode user saw
// the page turn light a moment after it loaded. This runs after every such render, before paint.
import { useLayoutEffect } from "react";

export const THEME_KEY = "stoker-theme";

/** Dark if the user chose dark, or chose nothing and the system prefers dark. */
export function prefersDark(): boolean {
  try {
    const chosen = localStorage.getItem(THEME_KEY);
    return chosen === "dark" || (!chosen && matchMedia("(prefers-color-scheme: dark)").matches);
  } catch {
    return false;
  }
}

export function ThemeClass() {
  useLayoutEffect(() => {
    document.documentElement.classList.toggle("dark", prefersDark());
  }, []);
  return null;
}
