import { Anchor, Button, Card, Group, List, NativeSelect, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { PageLoader } from "@/components/PageLoader";
import { ProblemAlert } from "@/components/ProblemAlert";
import { can, useMe } from "@/lib/session";
import { t } from "@/lib/strings";
import { useIncident, useSystemName, useUpdateIncident, type IncidentStatus } from "../api/incidents";
import { ActionsPanel } from "../components/ActionsPanel";
import { DeadlinesPanel } from "../components/DeadlinesPanel";
import { ReportsPanel } from "../components/ReportsPanel";
import { StatusBadge } from "../components/StatusBadge";
import { TriageCard } from "../components/TriageCard";
import { formatMoment } from "./Incidents";

export function IncidentPage() {
  const { incidentId = "" } = useParams();
  const me = useMe();
  const incident = useIncident(incidentId);
  const systemName = useSystemName(incident.data?.system_id);
  const update = useUpdateIncident(incidentId);
  const [status, setStatus] = useState<IncidentStatus | "">("");
  if (incident.isLoading) return <PageLoader />;
  if (!incident.data) return <ProblemAlert error={incident.error} />;
  const i = incident.data;
  const canWrite = can(me.data, "systems:write");
  return (
    <Stack>
      <Group justify="space-between" align="start">
        <div>
          <Title order={1}>{i.title}</Title>
          <Text size="sm">
            {t.incidents.system}:{" "}
            <Anchor component={Link} to={`/systems/${i.system_id}`}>
              {systemName.data ?? i.system_id}
            </Anchor>
          </Text>
        </div>
        <StatusBadge status={i.status} />
      </Group>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Stack gap="xs">
            <Text size="sm">{i.description}</Text>
            <Text size="sm">
              {t.incidents.occurredAt}: {formatMoment(i.occurred_at)}
            </Text>
            <Text size="sm" data-testid="aware-at">
              {t.incidents.awareAt}: {i.aware_at ? formatMoment(i.aware_at) : "—"}
            </Text>
            <Text size="sm">
              {t.incidents.affected}: {i.affected}
            </Text>
            {i.people_involved.length > 0 && (
              <Text size="sm">
                {t.incidents.people}: {i.people_involved.join(", ")}
              </Text>
            )}
            {i.evidence_links.length > 0 && (
              <List size="sm">
                {i.evidence_links.map((l) => (
                  <List.Item key={l}>
                    <Anchor href={l} target="_blank" rel="noreferrer">
                      {l}
                    </Anchor>
                  </List.Item>
                ))}
              </List>
            )}
          </Stack>
        </Card>
        <Card withBorder>
          <Stack gap="xs">
            {canWrite ? (
              <Group align="end">
                <NativeSelect
                  label={t.incidents.changeStatus}
                  value={status || i.status}
                  data={Object.entries(t.incidents.statuses).map(([value, label]) => ({ value, label }))}
                  onChange={(e) => { setStatus(e.currentTarget.value as IncidentStatus); }}
                />
                <Button
                  disabled={!status || status === i.status}
                  loading={update.isPending}
                  onClick={() => {
                    if (status) update.mutate({ body: { status }, etag: i.etag }, { onSuccess: () => { setStatus(""); } });
                  }}
                >
                  {t.incidents.setStatus}
                </Button>
              </Group>
            ) : (
              <StatusBadge status={i.status} />
            )}
            <ProblemAlert error={update.error} />
          </Stack>
        </Card>
      </SimpleGrid>
      <DeadlinesPanel incident={i} />
      <TriageCard incident={i} />
      <ActionsPanel incidentId={i.id} actions={i.corrective_actions} etag={i.etag} canWrite={canWrite} />
      <ReportsPanel incidentId={i.id} reports={i.reports} clocks={i.deadlines.clocks} etag={i.etag} canWrite={canWrite} />
    </Stack>
  );
}
