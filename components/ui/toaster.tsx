"use client";
// Toasts for action results (sonner), in the page's theme: the dark class on <html> (the user's
// choice, or the system's when they made none), not the system's alone, which left toasts light
// on a page switched to dark.
import { useSyncExternalStore } from "react";
import { Toaster as Sonner } from "sonner";

function subscribe(onChange: () => void): () => void {
  const seen = new MutationObserver(onChange);
  seen.observe(document.documentElement, { attributes: true, attributeFilter: ["class"] });
  return () => seen.disconnect();
}

export function Toaster() {
  const dark = useSyncExternalStore(
    subscribe,
    () => document.documentElement.classList.contains("dark"),
    () => false,
  );
  return <Sonner position="bottom-right" richColors closeButton theme={dark ? "dark" : "light"} />;
}
