// The header row every dashboard table shares: small caps labels over a rule.
export function TableHead({ columns, className = "" }: { columns: string[]; className?: string }) {
  return (
    <thead className={`text-xs uppercase tracking-wide text-muted ${className}`}>
      <tr className="border-b border-line">
        {columns.map((h, i) => (
          <th key={`${h}-${i}`} className="px-3 py-2 font-medium">
            {h}
          </th>
        ))}
      </tr>
    </thead>
  );
}
