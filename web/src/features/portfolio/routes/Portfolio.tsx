import { Anchor, Badge, Card, Group, List, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useMemo } from "react";
import { Link } from "react-router";
import { PageLoader } from "@/components/PageLoader";
import { ProblemAlert } from "@/components/ProblemAlert";
import { TierBadge } from "@/components/TierBadge";
import { tone } from "@/lib/theme";
import { t, tierLabel } from "@/lib/strings";
import { buildModel, usePortfolio, type Cell } from "../api/portfolio";
import classes from "./Portfolio.module.css";
import { ControlStatus, WorkQueue } from "./WorkQueue";

function HeatCell({ cell }: { cell: Cell | undefined }) {
  if (!cell?.latest) return <Text size="xs" c="dimmed">{t.portfolio.none}</Text>;
  const inWork = cell.latest.status !== "approved" && cell.latest !== cell.current;
  return (
    <Stack gap={2} align="flex-start">
      {cell.current ? <TierBadge tier={cell.current.tier} size="sm" /> : null}
      {inWork && (
        <Anchor component={Link} to={`/assessments/${cell.latest.id}`} size="xs">
          {t.status[cell.latest.status] ?? cell.latest.status}
        </Anchor>
      )}
      {(cell.current?.overdue ?? cell.latest.overdue) && (
        <Badge color={tone.bad} size="xs">
          {t.systems.overdue}
        </Badge>
      )}
    </Stack>
  );
}

/** The portfolio: AI systems × questionnaires by tier and status, counts by tier, what is overdue or never assessed. */
export function Portfolio() {
  const portfolio = usePortfolio();
  const model = useMemo(() => (portfolio.data ? buildModel(portfolio.data) : null), [portfolio.data]);
  if (portfolio.error) return <ProblemAlert error={portfolio.error} />;
  if (!model || !portfolio.data) return <PageLoader />;
  return (
    <Stack>
      <Title order={1}>{t.nav.portfolio}</Title>
      <Group gap="sm" data-testid="tier-counts" role="list" aria-label={t.portfolio.counts}>
        {model.counts.map((c) => (
          <Card key={c.tier ?? "none"} withBorder padding="sm" role="listitem" data-testid={`count-${c.tier ?? "none"}`} data-count={c.systems} className={classes.count}>
            <Text size="xl" fw={700}>
              {c.systems}
            </Text>
            <Text size="sm">{c.tier === "other" ? t.portfolio.otherTiers : c.tier ? tierLabel(c.tier) : t.systems.notAssessed}</Text>
          </Card>
        ))}
      </Group>
      <Title order={2} size="h3">
        {t.portfolio.heatMap}
      </Title>
      {model.rows.length === 0 ? (
        <Text c="dimmed">{t.systems.empty}</Text>
      ) : (
        <div className={classes.scroll} tabIndex={0} role="region" aria-label={t.portfolio.heatMap}>
          <Table withColumnBorders aria-label={t.portfolio.heatMap}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t.systems.name}</Table.Th>
                <Table.Th>{t.systems.tier}</Table.Th>
                {model.questionnaires.map((q) => (
                  <Table.Th key={q}>{q}</Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {model.rows.map((r) => (
                <Table.Tr key={r.system.id} data-testid={`heat-row-${r.system.name}`} data-tier={r.tier ?? "none"}>
                  <Table.Td>
                    <Anchor component={Link} to={`/systems/${r.system.id}`} size="sm">
                      {r.system.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <TierBadge tier={r.tier} size="sm" />
                  </Table.Td>
                  {model.questionnaires.map((q) => {
                    const cell = r.cells.get(q);
                    return (
                      <Table.Td key={q} className={classes.cell} data-tier={cell?.current?.tier ?? "none"}>
                        <HeatCell cell={cell} />
                      </Table.Td>
                    );
                  })}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder data-testid="overdue-list">
          <Title order={2} size="h3" mb="xs">
            {t.portfolio.overdue}
          </Title>
          {portfolio.data.overdue.length === 0 ? (
            <Text c="dimmed">{t.portfolio.nothingOverdue}</Text>
          ) : (
            <List size="sm">
              {portfolio.data.overdue.map((o) => (
                <List.Item key={o.system_id}>
                  <Anchor component={Link} to={`/systems/${o.system_id}`}>
                    {o.system_name}
                  </Anchor>{" "}
                  — {o.overdue.map((a) => `${a.questionnaire.key} (${t.system.due} ${a.due_at?.slice(0, 10) ?? "—"})`).join(", ")}
                </List.Item>
              ))}
            </List>
          )}
        </Card>
        <Card withBorder data-testid="never-assessed">
          <Title order={2} size="h3" mb="xs">
            {t.portfolio.neverAssessed}
          </Title>
          {model.neverAssessed.length === 0 ? (
            <Text c="dimmed">{t.portfolio.allAssessed}</Text>
          ) : (
            <List size="sm">
              {model.neverAssessed.map((s) => (
                <List.Item key={s.id}>
                  <Anchor component={Link} to={`/systems/${s.id}`}>
                    {s.name}
                  </Anchor>
                </List.Item>
              ))}
            </List>
          )}
        </Card>
      </SimpleGrid>
      <WorkQueue />
      <ControlStatus />
    </Stack>
  );
}
