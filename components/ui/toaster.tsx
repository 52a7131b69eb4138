"use client";
// Toasts for action results (sonner), following the page's theme.
import { Toaster as Sonner } from "sonner";

export function Toaster() {
  return <Sonner position="bottom-right" richColors closeButton theme="system" />;
}
