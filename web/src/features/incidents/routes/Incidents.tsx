import { Anchor, Badge, Button, Group, NativeSelect, Stack, Table, Text, Title } from "@mantine/core";
import { useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { ProblemAlert } from "@/components/ProblemAlert";
import { can, useMe } from "@/lib/session";
import { t } from "@/lib/strings";
import { useIncidents, useSystemChoices, type IncidentFilters, type IncidentStatus } from "../api/incidents";
import { RecordIncident } from "../components/RecordIncident";
import { StatusBadge } from "../components/StatusBadge";

/** Incidents of the organisation, filtered by status, system and overdue deadline (kept in the URL). */
export function Incidents() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const me = useMe();
  const [recording, setRecording] = useState(false);
  const filters: IncidentFilters = {
    ...(params.get("status") ? { status: params.get("status") as IncidentStatus } : {}),
    ...(params.get("system_id") ? { system_id: params.get("system_id") ?? "" } : {}),
    ...(params.get("overdue") ? { overdue: params.get("overdue") === "true" } : {}),
  };
  const incidents = useIncidents(filters);
  const systems = useSystemChoices();
  const systemList = systems.data ?? [];
  const names = new Map(systemList.map((s) => [s.id, s.name]));
  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };
  const items = incidents.data?.items ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>{t.incidents.title}</Title>
        {can(me.data, "systems:write") && <Button onClick={() => { setRecording(true); }}>{t.incidents.record}</Button>}
      </Group>
      <Group align="end">
        <NativeSelect
          label={t.incidents.status}
          value={filters.status ?? ""}
          data={[{ value: "", label: t.incidents.anyStatus }, ...Object.entries(t.incidents.statuses).map(([value, label]) => ({ value, label }))]}
          onChange={(e) => { setFilter("status", e.currentTarget.value); }}
        />
        <NativeSelect
          label={t.incidents.system}
          value={filters.system_id ?? ""}
          data={[{ value: "", label: t.incidents.anySystem }, ...systemList.map((s) => ({ value: s.id, label: s.name }))]}
          onChange={(e) => { setFilter("system_id", e.currentTarget.value); }}
        />
        <NativeSelect
          label={t.incidents.overdue}
          value={params.get("overdue") ?? ""}
          data={[
            { value: "", label: t.incidents.overdueAny },
            { value: "true", label: t.incidents.overdueYes },
            { value: "false", label: t.incidents.overdueNo },
          ]}
          onChange={(e) => { setFilter("overdue", e.currentTarget.value); }}
        />
      </Group>
      <ProblemAlert error={incidents.error} />
      <Table aria-label={t.incidents.title} striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t.incidents.titleField}</Table.Th>
            <Table.Th>{t.incidents.system}</Table.Th>
            <Table.Th>{t.incidents.status}</Table.Th>
            <Table.Th>{t.incidents.nextDue}</Table.Th>
            <Table.Th>{t.incidents.recorded}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((i) => {
            const overdue = i.deadlines.clocks.some((c) => c.overdue);
            return (
              <Table.Tr key={i.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/incidents/${i.id}`}>
                    {i.title}
                  </Anchor>
                </Table.Td>
                <Table.Td>{names.get(i.system_id) ?? "—"}</Table.Td>
                <Table.Td>
                  <StatusBadge status={i.status} />
                </Table.Td>
                <Table.Td>
                  <Group gap="xs">
                    <Text size="sm">{i.next_due_at ? formatMoment(i.next_due_at) : "—"}</Text>
                    {overdue && <Badge color="red.9">{t.incidents.overdueBadge}</Badge>}
                  </Group>
                </Table.Td>
                <Table.Td>{i.created_at.slice(0, 10)}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {incidents.isSuccess && items.length === 0 && <Text>{t.incidents.empty}</Text>}
      {recording && (
        <RecordIncident
          opened
          systems={systemList}
          {...(filters.system_id ? { systemId: filters.system_id } : {})}
          onClose={() => { setRecording(false); }}
          onRecorded={(i) => void navigate(`/incidents/${i.id}`)}
        />
      )}
    </Stack>
  );
}

/** A moment as people read it in this app: UTC, to the minute. */
export function formatMoment(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
