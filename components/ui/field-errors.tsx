// Errors from the API listed by field path (e.g. "socket.mode: …"), as an alert.
export function FieldErrors({ errors, className = "" }: { errors: { path: string; message: string }[]; className?: string }) {
  if (!errors.length) return null;
  return (
    <ul role="alert" className={`space-y-0.5 rounded-md bg-red-50 px-3 py-2 text-xs text-red-800 dark:bg-red-950 dark:text-red-300 ${className}`}>
      {errors.map((e) => (
        <li key={`${e.path}${e.message}`}>
          <code className="font-semibold">{e.path}</code> {e.message}
        </li>
      ))}
    </ul>
  );
}
