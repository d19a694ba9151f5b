import { Anchor, Button, Card, Group, NativeSelect, Stack, Table, Text, Title } from "@mantine/core";
import { useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { CalendarPicker, ControlsTable, ObligationsTable, type CalendarId, type ControlLike, type ObligationLike } from "@/components/Obligations";
import { PageLoader } from "@/components/PageLoader";
import { ProblemAlert } from "@/components/ProblemAlert";
import { TierBadge } from "@/components/TierBadge";
import { can, useMe } from "@/lib/session";
import { t } from "@/lib/strings";
import { useQuestionnaires, useStanding, useStartAssessment, useSystem, useSystemAssessments } from "../api/systems";

const today = () => new Date().toISOString().slice(0, 10);

export function SystemPage() {
  const { systemId = "" } = useParams();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const me = useMe();
  const system = useSystem(systemId);
  const standing = useStanding(systemId);
  const assessments = useSystemAssessments(systemId);
  const questionnaires = useQuestionnaires();
  const start = useStartAssessment();
  const [questionnaire, setQuestionnaire] = useState("eu-ai-act-classification");
  const calendar = (params.get("calendar") as CalendarId | null) ?? "original";
  const asOf = params.get("as_of") ?? today();
  if (system.isLoading) return <PageLoader />;
  if (!system.data) return <ProblemAlert error={system.error} />;
  const s = system.data;
  const entries = standing.data?.assessments ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <div>
          <Title order={1}>{s.name}</Title>
          <Text c="dimmed">{s.purpose}</Text>
        </div>
        <TierBadge tier={entries[0]?.tier} size="lg" />
      </Group>
      <Text size="sm">
        {t.systems.owner}: {s.owner} · {t.systems.businessUnit}: {s.business_unit ?? "—"} · {t.systems.sourcing}:{" "}
        {t.systems.sourcingLabels[s.sourcing] ?? s.sourcing}
      </Text>
      <Title order={2}>{t.system.standing}</Title>
      {entries.length === 0 ? (
        <Text>{t.system.noStanding}</Text>
      ) : (
        <>
          <CalendarPicker
            calendar={calendar}
            asOf={asOf}
            onChange={(c, d) => {
              setParams({ calendar: c, as_of: d }, { replace: true });
            }}
          />
          {entries.map((e) => (
            <Card withBorder key={e.assessment_id}>
              <Group justify="space-between">
                <Title order={3}>{e.questionnaire.key}</Title>
                <Group>
                  <TierBadge tier={e.tier} />
                  <Text size="sm">
                    {t.system.due}: {e.due_at?.slice(0, 10) ?? "—"}
                  </Text>
                </Group>
              </Group>
              <Title order={4} mt="sm">
                {t.system.obligations}
              </Title>
              <ObligationsTable obligations={e.obligations as unknown as ObligationLike[]} calendar={calendar} asOf={asOf} />
              <Title order={4} mt="sm">
                {t.system.controls}
              </Title>
              <ControlsTable controls={e.controls as unknown as ControlLike[]} />
            </Card>
          ))}
        </>
      )}
      {standing.data && (
        <Group data-testid="system-incidents">
          <Title order={2}>{t.incidents.title}</Title>
          <Text size="sm">
            {t.incidents.onSystem(
              standing.data.incidents.open + standing.data.incidents.reported + standing.data.incidents.closed,
              standing.data.incidents.overdue,
            )}
          </Text>
          <Anchor component={Link} to={`/incidents?system_id=${systemId}`}>
            {t.incidents.viewAll}
          </Anchor>
        </Group>
      )}
      <Title order={2}>{t.system.assessments}</Title>
      <Table aria-label={t.system.assessments}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t.system.questionnaire}</Table.Th>
            <Table.Th>{t.system.status}</Table.Th>
            <Table.Th>{t.systems.tier}</Table.Th>
            <Table.Th>{t.review.round}</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(assessments.data?.items ?? []).filter((a) => !a.incident_id).map((a) => (
            <Table.Tr key={a.id}>
              <Table.Td>
                {a.questionnaire.key} {a.questionnaire.version}
              </Table.Td>
              <Table.Td>{t.status[a.status] ?? a.status}</Table.Td>
              <Table.Td>{a.tier ? <TierBadge tier={a.tier} size="sm" /> : "—"}</Table.Td>
              <Table.Td>{a.round}</Table.Td>
              <Table.Td>
                <Anchor component={Link} to={a.status === "draft" ? `/assessments/${a.id}/fill` : `/assessments/${a.id}`}>
                  {t.system.open}
                  <span className="visually-hidden"> {a.questionnaire.key}</span>
                </Anchor>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {can(me.data, "assessments:write") && (
        <Group align="end">
          <NativeSelect
            label={t.system.questionnaire}
            value={questionnaire}
            data={(questionnaires.data?.items ?? []).filter((q) => q.latest_version).map((q) => ({ value: q.key, label: q.title }))}
            onChange={(e) => { setQuestionnaire(e.currentTarget.value); }}
          />
          <Button
            loading={start.isPending}
            onClick={() => {
              start.mutate(
                { system_id: systemId, questionnaire_key: questionnaire },
                { onSuccess: (a) => void navigate(`/assessments/${a.id}/fill`) },
              );
            }}
          >
            {t.system.start}
          </Button>
        </Group>
      )}
      <ProblemAlert error={start.error} />
    </Stack>
  );
}
