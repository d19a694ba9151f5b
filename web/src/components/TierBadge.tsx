import { Badge } from "@mantine/core";
import { tierLabel } from "@/lib/strings";

// Dark shades so white text keeps AA contrast.
const COLORS: Record<string, string> = {
  prohibited: "red.9",
  high_risk: "red.8",
  high: "red.8",
  severe: "red.9",
  transparency: "yellow.9",
  medium: "yellow.9",
  minimal: "green.9",
  low: "green.9",
  out_of_scope: "gray.7",
};

export function TierBadge({ tier, size = "md" }: { tier: string | null | undefined; size?: "sm" | "md" | "lg" }) {
  return (
    <Badge color={tier ? (COLORS[tier] ?? "blue.8") : "gray.7"} variant={tier ? "filled" : "outline"} size={size} data-tier={tier ?? "none"}>
      {tierLabel(tier)}
    </Badge>
  );
}
