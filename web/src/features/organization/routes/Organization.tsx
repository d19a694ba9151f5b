import { Alert, Anchor, Badge, Button, Card, Group, List, Progress, Stack, Table, Text, Title } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "react-router";
import { ObligationsTable } from "@/components/Obligations";
import { PageLoader } from "@/components/PageLoader";
import { ProblemAlert } from "@/components/ProblemAlert";
import { keys } from "@/lib/api/keys";
import { can, useMe } from "@/lib/session";
import { t, tierLabel } from "@/lib/strings";
import { tone } from "@/lib/theme";
import {
  clauseShare,
  useOrganizationAssessments,
  useReadiness,
  useStartReadiness,
  type ApprovedReadiness,
  type OrganizationReadiness,
} from "../api/organization";

// The theme's AA tones: white text on each is at least 4.5:1.
const LEVEL_TONE: Record<string, string> = {
  ready: tone.ok,
  partly_ready: tone.warn,
  minor_gaps: tone.warn,
  major_gaps: tone.bad,
  not_ready: tone.severe,
};

function en(text: Record<string, string> | null | undefined, fallback = ""): string {
  return text?.en ?? Object.values(text ?? {})[0] ?? fallback;
}

function LevelBadge({ level, label, size = "md" }: { level: string | null | undefined; label?: string; size?: "md" | "lg" }) {
  return (
    <Badge color={level ? (LEVEL_TONE[level] ?? tone.info) : tone.neutral} size={size} data-level={level ?? "none"}>
      {label ?? (level ? level.replaceAll("_", " ") : t.organization.notAssessed)}
    </Badge>
  );
}

function date(value: string | null | undefined): string {
  return value ? value.slice(0, 10) : "—";
}

/** Start a readiness assessment, continue the one in progress, or open the one awaiting review. */
function NextStep({ readiness }: { readiness: OrganizationReadiness }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const me = useMe();
  const start = useStartReadiness();
  const open = readiness.open_assessment_id;
  if (open && readiness.open_assessment_status === "submitted") {
    return (
      <Button component={Link} to={`/assessments/${open}`} variant="default">
        {t.organization.awaitingReview}
      </Button>
    );
  }
  if (open) {
    return (
      <Button
        component={Link}
        to={`/assessments/${open}/fill`}
        data-testid="continue-readiness"
        // The filler starts from the answers it loads: never from a copy cached before the last saves.
        onClick={() => { queryClient.removeQueries({ queryKey: keys.assessment(open), exact: true }); }}
      >
        {t.organization.continue}
      </Button>
    );
  }
  if (!readiness.latest_version || !can(me.data, "assessments:write")) return null;
  return (
    <Stack gap="xs">
      <Button
        w="fit-content"
        loading={start.isPending}
        data-testid="start-readiness"
        onClick={() => {
          start.mutate(undefined, { onSuccess: (created) => void navigate(`/assessments/${created.id}/fill`) });
        }}
      >
        {readiness.approved ? t.organization.reassess : t.organization.start}
      </Button>
      <ProblemAlert error={start.error} />
    </Stack>
  );
}

function Clauses({ approved }: { approved: ApprovedReadiness }) {
  return (
    <Table aria-label={t.organization.clauses} data-testid="clauses">
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">{t.organization.clause}</Table.Th>
          <Table.Th scope="col">{t.organization.level}</Table.Th>
          <Table.Th scope="col">{t.organization.points}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {approved.clauses.map((c) => (
          <Table.Tr key={c.id} data-testid={`clause-${c.id}`} data-level={c.level ?? "none"}>
            <Table.Td>{en(c.label, c.id)}</Table.Td>
            <Table.Td>
              <LevelBadge level={c.level} label={en(c.level_label, c.level ?? "")} />
            </Table.Td>
            <Table.Td miw={160}>
              <Progress
                value={clauseShare(c)}
                color={c.level ? LEVEL_TONE[c.level] : tone.neutral}
                aria-label={`${en(c.label, c.id)}: ${String(c.value ?? 0)} / ${String(c.max ?? 0)}`}
              />
              <Text size="xs" c="dimmed">
                {String(c.value ?? "—")} / {String(c.max ?? "—")}
              </Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function Gaps({ approved }: { approved: ApprovedReadiness }) {
  if (approved.gaps.length === 0) return <Text c="dimmed">{t.organization.noGaps}</Text>;
  return (
    <Stack gap="sm" data-testid="gaps" data-count={approved.gaps.length}>
      {approved.gaps.map((g) => (
        <Card key={g.id} withBorder padding="sm" data-testid={`gap-${g.id}`}>
          <Group justify="space-between" wrap="nowrap" align="flex-start">
            <Text size="sm">{en(g.rationale)}</Text>
            {g.level && (
              <div style={{ flexShrink: 0 }}>
                <LevelBadge level={g.level} label={tierLabel(g.level)} />
              </div>
            )}
          </Group>
          {g.caveat && (
            <Text size="xs" mt={4}>
              {t.organization.caveat}: {en(g.caveat)}
            </Text>
          )}
          <Text size="xs" c="dimmed" mt={4}>
            {g.refs.join(" · ")}
            {g.controls.length > 0 && ` — ${t.organization.controls}: ${g.controls.map((c) => c.split(":")[1] ?? c).join(", ")}`}
          </Text>
        </Card>
      ))}
    </Stack>
  );
}

function Approved({ approved }: { approved: ApprovedReadiness }) {
  return (
    <Stack>
      <Card withBorder data-testid="readiness-overall" data-level={approved.level}>
        <Group justify="space-between">
          <div>
            <Text size="sm" c="dimmed">
              {t.organization.overall}
            </Text>
            <LevelBadge level={approved.level} label={en(approved.level_label, tierLabel(approved.level))} size="lg" />
          </div>
          <div>
            <Text size="sm">
              {t.organization.approvedOn} {date(approved.approved_at)} · {t.organization.due} {date(approved.due_at)}
            </Text>
            {approved.overdue && <Badge color={tone.bad}>{t.systems.overdue}</Badge>}
            <Anchor component={Link} to={`/assessments/${approved.assessment_id}`} size="sm">
              {t.organization.fullResult}
            </Anchor>
          </div>
        </Group>
      </Card>
      <Title order={2}>{t.organization.clauses}</Title>
      <Clauses approved={approved} />
      <Title order={2}>{t.organization.gaps}</Title>
      <Gaps approved={approved} />
      <Title order={2}>{t.organization.obligations}</Title>
      <ObligationsTable obligations={approved.obligations} caption={t.organization.obligations} />
    </Stack>
  );
}

function History() {
  const history = useOrganizationAssessments();
  if (history.error) return <ProblemAlert error={history.error} />;
  if (!history.data) return <PageLoader />;
  if (history.data.length === 0) return <Text c="dimmed">{t.common.none}</Text>;
  return (
    <List size="sm" data-testid="organization-history">
      {history.data.map((a) => (
        <List.Item key={a.id}>
          <Anchor component={Link} to={a.status === "draft" ? `/assessments/${a.id}/fill` : `/assessments/${a.id}`}>
            {a.questionnaire.key} {a.questionnaire.version}
          </Anchor>{" "}
          · {t.status[a.status] ?? a.status} · {date(a.created_at)}
          {a.tier ? ` · ${a.tier.replaceAll("_", " ")}` : ""}
        </List.Item>
      ))}
    </List>
  );
}

/** The organisation as a subject: its ISO/IEC 42001 readiness, per clause, with the gaps. */
export function Organization() {
  const readiness = useReadiness();
  if (readiness.error) return <ProblemAlert error={readiness.error} />;
  if (!readiness.data) return <PageLoader />;
  const r = readiness.data;
  return (
    <Stack maw={1100}>
      <Title order={1}>{t.organization.title}</Title>
      <Text>{t.organization.intro}</Text>
      <NextStep readiness={r} />
      {r.approved ? <Approved approved={r.approved} /> : <Alert title={t.organization.noneApproved}>{t.organization.noneApprovedHelp}</Alert>}
      <Title order={2}>{t.organization.history}</Title>
      <History />
    </Stack>
  );
}
