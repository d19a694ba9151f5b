import { Badge } from "@mantine/core";
import { t } from "@/lib/strings";
import { tone } from "@/lib/theme";

const COLORS: Record<string, string> = { open: tone.bad, reported: tone.warn, closed: "gray.7" };

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={COLORS[status] ?? "gray.7"} data-status={status}>
      {t.incidents.statuses[status] ?? status}
    </Badge>
  );
}
