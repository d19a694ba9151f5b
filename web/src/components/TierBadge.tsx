import { tone } from "@/lib/theme";
import { Badge } from "@mantine/core";
import { tierLabel } from "@/lib/strings";

// Dark shades so white text keeps AA contrast.
const COLORS: Record<string, string> = {
  prohibited: tone.severe,
  high_risk: tone.bad,
  high: tone.bad,
  severe: tone.severe,
  critical: tone.severe,
  transparency: tone.warn,
  medium: tone.warn,
  minimal: tone.ok,
  low: tone.ok,
  out_of_scope: "gray.7",
  // aims-readiness
  ready: tone.ok,
  minor_gaps: tone.warn,
  major_gaps: tone.bad,
  not_ready: tone.severe,
  // ai-incident-triage
  urgent: tone.severe,
  report: tone.bad,
  notify: tone.warn,
  record: tone.ok,
};

export function TierBadge({ tier, size = "md" }: { tier: string | null | undefined; size?: "sm" | "md" | "lg" }) {
  return (
    <Badge color={tier ? (COLORS[tier] ?? "blue.8") : "gray.7"} variant={tier ? "filled" : "outline"} size={size} data-tier={tier ?? "none"}>
      {tierLabel(tier)}
    </Badge>
  );
}
