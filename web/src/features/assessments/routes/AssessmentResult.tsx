import { Accordion, Alert, Anchor, Badge, Button, Card, Code, Group, List, Stack, Table, Text, Title } from "@mantine/core";
import { Link, useParams } from "react-router";
import { ControlsTable, ObligationsTable } from "@/components/Obligations";
import { PageLoader } from "@/components/PageLoader";
import { ProblemAlert } from "@/components/ProblemAlert";
import { TierBadge } from "@/components/TierBadge";
import { can, useMe } from "@/lib/session";
import { t } from "@/lib/strings";
import { download, useAssessment, useQuestionnaireDocument, useRounds } from "../api/assessments";
import { ScoreBreakdown, scoreLabels } from "../components/ScoreBreakdown";

/** The stored result as decided: tier, obligations by role in both calendars, controls, flags, caveats, trace. */
export function AssessmentResult() {
  const { assessmentId = "" } = useParams();
  const me = useMe();
  const assessment = useAssessment(assessmentId);
  const rounds = useRounds(assessmentId);
  const pin = assessment.data?.questionnaire;
  const doc = useQuestionnaireDocument(pin?.key, pin?.version);
  if (assessment.error) return <ProblemAlert error={assessment.error} />;
  const a = assessment.data;
  const round = rounds.data?.at(-1);
  if (!a || !rounds.data) return <PageLoader />;
  if (!round) {
    return (
      <Alert>
        <Anchor component={Link} to={`/assessments/${a.id}/fill`}>
          {t.system.open}
        </Anchor>
      </Alert>
    );
  }
  const r = round.result;
  const caveats = r.fired.filter((f) => f.caveat);
  const base = `/v1/assessments/${a.id}` as const;
  return (
    <Stack>
      <Group justify="space-between">
        <div>
          <Title order={1}>{t.result.title}</Title>
          <Text c="dimmed">
            {a.questionnaire.key} {a.questionnaire.version} · {t.review.round} {round.round} · {t.status[a.status] ?? a.status}
          </Text>
        </div>
        <Group>
          <div data-testid="result-tier" data-tier={r.tier}>
            <TierBadge tier={r.tier} size="lg" />
          </div>
          {r.final && <Badge color="gray.8" variant="outline">{t.result.final}</Badge>}
        </Group>
      </Group>
      <Group>
        <Button variant="default" onClick={() => void download(`${base}/export.json`, `assessment-${a.id}.json`)}>
          {t.result.exportJson}
        </Button>
        <Button variant="default" onClick={() => void download(`${base}/export.csv`, `assessment-${a.id}.csv`)}>
          {t.result.exportCsv}
        </Button>
        <Button variant="default" onClick={() => void download(`${base}/report.html`, null)}>
          {t.result.report}
        </Button>
        {a.incident_id && (
          <Button variant="default" component={Link} to={`/incidents/${a.incident_id}`}>
            {t.incidents.backToIncident}
          </Button>
        )}
        {a.status === "submitted" && can(me.data, "assessments:review") && (
          <Button component={Link} to={`/assessments/${a.id}/review`}>
            {t.review.review}
          </Button>
        )}
      </Group>
      {round.decision && (
        <Alert title={`${t.result.decision}: ${round.decision.replaceAll("_", " ")}`} variant="default">
          {round.comment}
        </Alert>
      )}
      <Text size="sm">{r.calendar.assumption}</Text>
      <Title order={2}>{t.result.byRole}</Title>
      <ObligationsTable obligations={r.obligations} />
      <Title order={2}>{t.system.controls}</Title>
      <ControlsTable controls={r.controls} />
      <ScoreBreakdown scores={r.scores} labels={scoreLabels(doc.data)} />
      <Title order={2}>{t.result.flags}</Title>
      {r.flags.length === 0 ? (
        <Text c="dimmed">{t.common.none}</Text>
      ) : (
        <List>
          {r.flags.map((f) => (
            <List.Item key={f.id}>
              <Code>{f.id}</Code> ← {f.raised_by.join(", ")}
            </List.Item>
          ))}
        </List>
      )}
      <Title order={2}>{t.result.caveats}</Title>
      {caveats.length === 0 ? (
        <Text c="dimmed">{t.common.none}</Text>
      ) : (
        caveats.map((f) => (
          <Card withBorder key={f.id} padding="sm">
            <Text fw={600} size="sm">{f.id}</Text>
            <Text size="sm">{f.caveat?.en ?? Object.values(f.caveat ?? {})[0]}</Text>
          </Card>
        ))
      )}
      <Title order={2}>{t.result.trace}</Title>
      <Accordion variant="separated">
        {(r.trace ?? []).map((rule) => (
          <Accordion.Item key={rule.rule} value={rule.rule}>
            <Accordion.Control>
              <Group gap="xs">
                <Code>{rule.rule}</Code>
                <Badge size="sm" variant={rule.outcome === "true" ? "filled" : "outline"} color={rule.outcome === "true" ? "blue.8" : "gray.7"}>
                  {rule.outcome}
                </Badge>
              </Group>
            </Accordion.Control>
            <Accordion.Panel>
              <Table aria-label={`${t.result.trace} ${rule.rule}`}>
                <Table.Tbody>
                  {rule.facts.map((f) => (
                    <Table.Tr key={f.item}>
                      <Table.Td>{f.item}</Table.Td>
                      <Table.Td>{f.state}</Table.Td>
                      <Table.Td>
                        <Code>{JSON.stringify(f.value ?? null)}</Code>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Accordion.Panel>
          </Accordion.Item>
        ))}
      </Accordion>
    </Stack>
  );
}
