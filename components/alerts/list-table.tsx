"use client";
// The table every Alerts page shows: a loading row until the list's first answer (never the page's
// "No … yet" while it is still unknown), the empty sentence once it is known to be empty, one row per
// item; and the confirmed danger button each row's remove/end action uses.
import { Fragment, type ReactNode } from "react";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { TableHead } from "../ui/table-head";

type Props<T> = {
  columns: string[];
  items: T[];
  /** True until the list has answered once. */
  loading: boolean;
  empty: ReactNode;
  /** The row(s) of one item: a <Row> (and maybe a detail row after it). */
  children: (item: T) => ReactNode;
  label?: string;
};

export function ListTable<T extends { id: string | number }>({ columns, items, loading, empty, children, label }: Props<T>) {
  return (
    <div className="overflow-x-auto rounded-lg border border-line bg-panel">
      <table className="w-full text-left text-sm" aria-label={label} aria-busy={loading}>
        <TableHead columns={columns} />
        <tbody>
          {items.length === 0 && (
            <tr>
              <td colSpan={columns.length} className="px-3 py-4 text-center text-muted" role={loading ? "status" : undefined}>
                {loading ? "Loading…" : empty}
              </td>
            </tr>
          )}
          {items.map((item) => (
            <Fragment key={item.id}>{children(item)}</Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Row({ children }: { children: ReactNode }) {
  return <tr className="border-t border-line/60">{children}</tr>;
}

/** A small danger button that asks first (delete a rule, end a silence, remove a check). */
export function ConfirmButton({ label, title, description, confirmLabel = label, onConfirm }: { label: string; title: string; description: ReactNode; confirmLabel?: string; onConfirm: () => void }) {
  return (
    <ConfirmDialog
      title={title}
      description={description}
      confirmLabel={confirmLabel}
      onConfirm={onConfirm}
      trigger={
        <Button size="sm" variant="danger">
          {label}
        </Button>
      }
    />
  );
}
