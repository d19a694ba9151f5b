import { Alert } from "@mantine/core";
import { ApiError } from "@/lib/api/client";
import { t } from "@/lib/strings";

/** An error as the API explained it (problem details), or a generic message. */
export function ProblemAlert({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : typeof error === "string" ? error : t.common.error;
  const items = error instanceof ApiError ? (error.problem.errors ?? []) : [];
  return (
    <Alert color="red" title={t.common.error} role="alert">
      {message}
      {items.length > 0 && (
        <ul>
          {items.map((e, i) => (
            <li key={i}>{e.detail}</li>
          ))}
        </ul>
      )}
    </Alert>
  );
}
