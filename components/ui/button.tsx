// The one button: variants for primary, plain and danger actions; shows a spinner while busy.
import { clsx } from "clsx";
import { Loader2 } from "lucide-react";
import type { ButtonHTMLAttributes } from "react";

type Props = ButtonHTMLAttributes<HTMLButtonElement> & { variant?: "primary" | "plain" | "danger" | "ghost"; busy?: boolean; size?: "sm" | "md" };

export function Button({ variant = "plain", busy, size = "md", className, children, disabled, ...rest }: Props) {
  return (
    <button
      type="button"
      {...rest}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
      className={clsx(
        "inline-flex items-center justify-center gap-1.5 rounded-md border font-medium transition-colors disabled:cursor-not-allowed disabled:opacity-50",
        size === "sm" ? "h-7 px-2 text-xs" : "h-8 px-3 text-sm",
        variant === "primary" && "border-transparent bg-accent text-white hover:brightness-110",
        variant === "plain" && "border-line bg-panel hover:bg-surface",
        variant === "danger" && "border-red-300 bg-panel text-red-700 hover:bg-red-50 dark:border-red-900 dark:text-red-400 dark:hover:bg-red-950",
        variant === "ghost" && "border-transparent hover:bg-surface",
        className,
      )}
    >
      {busy && <Loader2 className="size-3.5 animate-spin" aria-hidden />}
      {children}
    </button>
  );
}
