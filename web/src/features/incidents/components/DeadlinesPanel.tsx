import { Alert, Badge, Card, Group, List, Stack, Table, Text, Title } from "@mantine/core";
import { t } from "@/lib/strings";
import { tone } from "@/lib/theme";
import { orderClocks, type Incident } from "../api/incidents";
import { formatMoment } from "../routes/Incidents";

/** Who must report, to whom, by when: each clock with its legal basis and why, as the server computed it. */
export function DeadlinesPanel({ incident }: { incident: Incident }) {
  const { clocks, notes, undetermined } = incident.deadlines;
  return (
    <Card withBorder>
      <Stack>
        <Title order={2}>{t.incidents.whoReports}</Title>
        {clocks.length === 0 ? (
          <Text>{t.incidents.noClocks}</Text>
        ) : (
          <Table aria-label={t.incidents.whoReports} verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t.incidents.reporter}</Table.Th>
                <Table.Th>{t.incidents.recipient}</Table.Th>
                <Table.Th miw={200}>{t.incidents.byWhen}</Table.Th>
                <Table.Th>{t.incidents.basis}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {orderClocks(clocks).map((c) => (
                <Table.Tr key={c.id} data-clock={c.id}>
                  <Table.Td>
                    <Text size="sm" fw={600}>
                      {c.regime}
                    </Text>
                    <Text size="sm">{c.reporter}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{c.recipient}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Stack gap={4}>
                      <Text size="sm" fw={600}>
                        {c.due_at ? formatMoment(c.due_at) : c.status === "undetermined" ? t.incidents.undeterminedBadge : t.incidents.noFixedPeriod}
                      </Text>
                      {c.period && <Text size="xs">{c.period}</Text>}
                      <Group gap={4}>
                        {c.overdue && <Badge color={tone.severe}>{t.incidents.overdueBadge}</Badge>}
                        {c.met_by_report && <Badge color={tone.ok}>{t.incidents.met}</Badge>}
                        {c.status === "undetermined" && (
                          <Badge color={tone.warn} variant="outline">
                            {t.incidents.undeterminedBadge}
                          </Badge>
                        )}
                      </Group>
                    </Stack>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{c.explanation}</Text>
                    <Text size="xs" mt={4}>
                      {c.refs.join(" · ")}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        {undetermined.length > 0 && (
          <Alert color={tone.warn} title={t.incidents.undetermined} data-testid="undetermined">
            <List size="sm">
              {undetermined.map((u) => (
                <List.Item key={u}>{u}</List.Item>
              ))}
            </List>
          </Alert>
        )}
        <div>
          <Title order={3} size="h5">
            {t.incidents.notes}
          </Title>
          <List size="sm" data-testid="deadline-notes">
            {notes.map((n) => (
              <List.Item key={n}>{n}</List.Item>
            ))}
          </List>
        </div>
      </Stack>
    </Card>
  );
}
