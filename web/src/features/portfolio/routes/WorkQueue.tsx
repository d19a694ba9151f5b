import { Anchor, Badge, Card, Group, Table, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { PageLoader } from "@/components/PageLoader";
import { ProblemAlert } from "@/components/ProblemAlert";
import { tone } from "@/lib/theme";
import { t } from "@/lib/strings";
import { countByStatus, useControlRecords, useWorkQueue } from "../api/portfolio";
import classes from "./Portfolio.module.css";

// The theme's AA tones (white text on each is ≥ 4.5:1).
const URGENCY_TONE: Record<string, string> = { overdue: tone.bad, due_soon: tone.warn, on_time: tone.ok };
const STATUS_TONE: Record<string, string> = { not_started: tone.neutral, planned: tone.info, partially_implemented: tone.warn, implemented: tone.ok };

/** Every required assessment per system: what state it is in, how urgent, and when it is due. */
export function WorkQueue() {
  const queue = useWorkQueue();
  return (
    <Card withBorder data-testid="work-queue" data-count={queue.data?.length}>
      <Title order={2} size="h3" mb="xs">
        {t.portfolio.workQueue}
      </Title>
      {queue.error ? (
        <ProblemAlert error={queue.error} />
      ) : !queue.data ? (
        <PageLoader />
      ) : queue.data.length === 0 ? (
        <Text c="dimmed">{t.portfolio.workQueueEmpty}</Text>
      ) : (
        <div className={classes.scroll} tabIndex={0} role="region" aria-label={t.portfolio.workQueue}>
          <Table aria-label={t.portfolio.workQueue}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t.systems.name}</Table.Th>
                <Table.Th scope="col">{t.portfolio.questionnaire}</Table.Th>
                <Table.Th scope="col">{t.portfolio.state}</Table.Th>
                <Table.Th scope="col">{t.portfolio.urgency}</Table.Th>
                <Table.Th scope="col">{t.portfolio.dueDate}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {queue.data.map((w) => (
                <Table.Tr
                  key={`${w.system_id}/${w.questionnaire_key}/${w.supplier_id ?? ""}`}
                  data-testid={`work-row-${w.system_name}-${w.questionnaire_key}`}
                  data-state={w.state}
                  data-urgency={w.urgency}
                >
                  <Table.Td>
                    <Anchor component={Link} to={`/systems/${w.system_id}`} size="sm">
                      {w.system_name}
                    </Anchor>
                    {w.supplier_name ? <Text size="xs">{w.supplier_name}</Text> : null}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{w.title}</Text>
                    <Text size="xs" c="dimmed">
                      {w.questionnaire_key}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{t.portfolio.states[w.state] ?? w.state}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={URGENCY_TONE[w.urgency] ?? tone.neutral} size="sm">
                      {t.portfolio.urgencies[w.urgency] ?? w.urgency}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{w.due_at ? w.due_at.slice(0, 10) : t.portfolio.noDueDate}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
    </Card>
  );
}

/** Control implementation: counts by status, then each record with its owner and target date. */
export function ControlStatus() {
  const records = useControlRecords();
  return (
    <Card withBorder data-testid="control-status" data-count={records.data?.length}>
      <Title order={2} size="h3" mb="xs">
        {t.portfolio.controls}
      </Title>
      {records.error ? (
        <ProblemAlert error={records.error} />
      ) : !records.data ? (
        <PageLoader />
      ) : records.data.length === 0 ? (
        <Text c="dimmed">{t.portfolio.controlsEmpty}</Text>
      ) : (
        <>
          <Group gap="sm" mb="sm" role="list" aria-label={t.portfolio.controlCounts}>
            {countByStatus(records.data).map((c) => (
              <Card key={c.status} withBorder padding="sm" role="listitem" data-testid={`control-count-${c.status}`} data-count={c.records} className={classes.count}>
                <Text size="xl" fw={700}>
                  {c.records}
                </Text>
                <Text size="sm">{t.portfolio.implementationStatus[c.status] ?? c.status}</Text>
              </Card>
            ))}
          </Group>
          <div className={classes.scroll} tabIndex={0} role="region" aria-label={t.portfolio.controls}>
            <Table aria-label={t.portfolio.controls}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t.portfolio.control}</Table.Th>
                  <Table.Th scope="col">{t.portfolio.implementation}</Table.Th>
                  <Table.Th scope="col">{t.portfolio.owner}</Table.Th>
                  <Table.Th scope="col">{t.portfolio.targetDate}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {records.data.map((r) => (
                  <Table.Tr key={r.control_id} data-testid={`control-row-${r.control_id}`} data-status={r.status}>
                    <Table.Td>
                      <Text size="sm">{r.ref}</Text>
                      <Text size="xs" c="dimmed">
                        {r.title}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge color={STATUS_TONE[r.status] ?? tone.neutral} size="sm">
                        {t.portfolio.implementationStatus[r.status] ?? r.status}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{r.owner_name ?? t.portfolio.noOwner}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        <Text size="sm">{r.target_date ?? t.portfolio.noDueDate}</Text>
                        {r.overdue && (
                          <Badge color={tone.bad} size="xs">
                            {t.systems.overdue}
                          </Badge>
                        )}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
        </>
      )}
    </Card>
  );
}
