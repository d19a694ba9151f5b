import { Anchor, Button, Card, Group, Stack, Text, Title } from "@mantine/core";
import { Link, useNavigate } from "react-router";
import { ProblemAlert } from "@/components/ProblemAlert";
import { TierBadge } from "@/components/TierBadge";
import { can, useMe } from "@/lib/session";
import { t } from "@/lib/strings";
import { useStartTriage, type Incident } from "../api/incidents";

const FACTS: [keyof Incident["triage"], string][] = [
  ["serious", "Serious incident (Art. 3(49))"],
  ["high_risk_obligations_apply", "High-risk obligations apply"],
  ["role", "Role"],
  ["provider_reachable", "Provider reachable"],
  ["widespread_infringement", "Widespread infringement"],
  ["sectoral_regime", "Sectoral regime (MDR/IVDR)"],
  ["gpai_systemic_risk", "GPAI with systemic risk"],
  ["personal_data_breach", "Personal data breach"],
  ["nis2_in_scope", "NIS2 entity"],
  ["nis2_significant", "NIS2 significant"],
];

function shown(value: unknown): string {
  if (value === null || value === undefined) return "not known";
  if (typeof value === "boolean") return value ? t.common.yes : t.common.no;
  if (Array.isArray(value)) return value.length ? value.join(", ") : t.common.none;
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A fact that only means something on another's answer is left out without it. */
function relevant(triage: Incident["triage"], key: keyof Incident["triage"]): boolean {
  if (key === "provider_reachable") return triage.role === "deployer";
  if (key === "nis2_significant") return triage.nis2_in_scope;
  return true;
}

/** The triage assessment of the incident: its state, its tier, and the facts it wrote. */
export function TriageCard({ incident }: { incident: Incident }) {
  const me = useMe();
  const navigate = useNavigate();
  const start = useStartTriage(incident.id);
  const triage = incident.triage_assessment;
  const open = triage && (triage.status === "draft" || triage.status === "submitted");
  const target = triage && (triage.status === "draft" ? `/assessments/${triage.assessment_id}/fill` : `/assessments/${triage.assessment_id}`);
  return (
    <Card withBorder>
      <Stack>
        <Title order={2}>{t.incidents.triage}</Title>
        <Text size="sm">{t.incidents.triageHelp}</Text>
        {triage && (
          <Group data-testid="triage-assessment">
            <Text size="sm">{triage.questionnaire}</Text>
            <Text size="sm">{t.status[triage.status] ?? triage.status}</Text>
            {triage.tier && <TierBadge tier={triage.tier} size="sm" />}
            {target && (
              <Anchor component={Link} to={target}>
                {triage.status === "draft" ? t.incidents.continueTriage : t.incidents.openTriage}
              </Anchor>
            )}
          </Group>
        )}
        <Text size="sm" data-testid="facts-source">
          {incident.triage_facts_from ? t.incidents.factsFrom(incident.triage_facts_from.round) : t.incidents.factsDirect}
        </Text>
        <Title order={3} size="h5">
          {t.incidents.facts}
        </Title>
        <Text size="sm" data-testid="facts">
          <span>Harms: {shown(incident.triage.harms)}</span>
          {FACTS.filter(([key]) => relevant(incident.triage, key)).map(([key, label]) => (
            <span key={key}>
              {" · "}
              {label}: {shown(incident.triage[key])}
            </span>
          ))}
        </Text>
        {!open && can(me.data, "assessments:write") && (
          <Button
            w="fit-content"
            loading={start.isPending}
            onClick={() => {
              start.mutate(undefined, { onSuccess: (link) => void navigate(`/assessments/${link.assessment_id}/fill`) });
            }}
          >
            {triage ? t.incidents.retriage : t.incidents.startTriage}
          </Button>
        )}
        <ProblemAlert error={start.error} />
      </Stack>
    </Card>
  );
}
