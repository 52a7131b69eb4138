"use client";
// A confirm step for destructive actions (Radix AlertDialog: focus-trapped, Esc cancels), and the one
// footer every dialog ends with: Cancel (or Close/Done) first, then the dialog's own actions.
import { AlertDialog, Dialog } from "radix-ui";
import type { ComponentProps, ReactNode } from "react";
import { Button } from "./button";

type ActionsProps = {
  children?: ReactNode;
  /** The button that closes without doing anything: "Cancel", or "Close"/"Done" where nothing is pending. */
  cancelLabel?: string;
  /** An AlertDialog's footer (default) or a plain Dialog's. */
  kind?: "alert" | "dialog";
  className?: string;
};

export function DialogActions({ children, cancelLabel = "Cancel", kind = "alert", className = "mt-5" }: ActionsProps) {
  const cancel = <Button>{cancelLabel}</Button>;
  return (
    <div className={`flex flex-wrap justify-end gap-2 ${className}`}>
      {kind === "alert" ? <AlertDialog.Cancel asChild>{cancel}</AlertDialog.Cancel> : <Dialog.Close asChild>{cancel}</Dialog.Close>}
      {children}
    </div>
  );
}

/** An AlertDialog's confirming button: it closes the dialog as it acts. */
export function ConfirmAction(props: ComponentProps<typeof Button>) {
  return (
    <AlertDialog.Action asChild>
      <Button {...props} />
    </AlertDialog.Action>
  );
}

type Props = { trigger: ReactNode; title: string; description: ReactNode; confirmLabel: string; onConfirm: () => void };

export function ConfirmDialog({ trigger, title, description, confirmLabel, onConfirm }: Props) {
  return (
    <AlertDialog.Root>
      <AlertDialog.Trigger asChild>{trigger}</AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="fixed inset-0 z-40 bg-black/40" />
        <AlertDialog.Content className="fixed left-1/2 top-1/3 z-50 w-[min(28rem,90vw)] -translate-x-1/2 rounded-lg border border-line bg-panel p-5 shadow-xl">
          <AlertDialog.Title className="text-base font-semibold">{title}</AlertDialog.Title>
          <AlertDialog.Description className="mt-2 text-muted">{description}</AlertDialog.Description>
          <DialogActions>
            <ConfirmAction variant="danger" onClick={onConfirm}>
              {confirmLabel}
            </ConfirmAction>
          </DialogActions>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
