import { Badge, Card, Group, Progress, Stack, Table, Text, Title } from "@mantine/core";
import type { components } from "@/lib/api/schema";
import { t } from "@/lib/strings";
import { tone } from "@/lib/theme";

type Score = components["schemas"]["ScoreOut"];
type Term = components["schemas"]["TermOut"];

/** Labels of a questionnaire's scores and bands, from its (localised) document. */
export interface ScoreLabels {
  scores: Record<string, string>;
  bands: Record<string, Record<string, string>>;
}

type Localised = string | Record<string, string> | null | undefined;
interface DocScoring {
  scoring?: { scores?: { id: string; label?: Localised; bands?: { id: string; label?: Localised }[] }[] };
}

function text(x: Localised): string | undefined {
  if (!x) return undefined;
  return typeof x === "string" ? x : (x.en ?? Object.values(x)[0]);
}

/** The score and band labels a questionnaire document declares. */
export function scoreLabels(doc: DocScoring | undefined): ScoreLabels {
  const out: ScoreLabels = { scores: {}, bands: {} };
  for (const s of doc?.scoring?.scores ?? []) {
    const label = text(s.label);
    if (label) out.scores[s.id] = label;
    out.bands[s.id] = Object.fromEntries((s.bands ?? []).flatMap((b) => (text(b.label) ? [[b.id, text(b.label) ?? b.id]] : [])));
  }
  return out;
}

/** `mitigation_reduction` → "Mitigation reduction". */
export function humanise(id: string): string {
  const words = id.replaceAll("_", " ").replaceAll("-", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** 2.7000000001 → "2.7"; whole numbers without decimals. */
export function num(x: number): string {
  return String(Math.round(x * 100) / 100);
}

function valueText(s: Score): string {
  return s.value !== null ? num(s.value) : `${num(s.min)}–${num(s.max)}`;
}

function scoreName(s: Score, labels: ScoreLabels): string {
  return labels.scores[s.id] ?? humanise(s.id);
}

function bandName(s: Score, labels: ScoreLabels): string | null {
  if (!s.band) return null;
  return labels.bands[s.id]?.[s.band] ?? humanise(s.band);
}

function contributionText(term: Term): string {
  if (term.applies === "unknown") return t.breakdown.notYetKnown;
  if (term.applies === "false") return "0";
  return term.points > 0 ? `+${num(term.contribution)}` : num(term.contribution);
}

/** One itemised score: section totals, then the terms that count (or may still count). */
function ScoreCard({ score, labels }: { score: Score; labels: ScoreLabels }) {
  const b = score.breakdown;
  if (!b) return null;
  const counted = b.terms.filter((x) => x.applies !== "false");
  const idle = b.terms.length - counted.length;
  const top = b.scale?.max ?? 0;
  const band = bandName(score, labels);
  return (
    <Card withBorder padding="sm" data-testid={`breakdown-${score.id}`}>
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h4">
          {scoreName(score, labels)}
        </Title>
        <Group gap="xs">
          <Text fw={700} data-testid={`score-${score.id}`}>
            {valueText(score)}
            {b.scale && (
              <Text span c="dimmed" fw={400}>
                {" "}
                {t.breakdown.of} {num(b.scale.max)}
              </Text>
            )}
          </Text>
          {band && (
            <Badge variant="outline" color="gray.8" tt="none">
              {band}
            </Badge>
          )}
        </Group>
      </Group>
      {b.scale && top > 0 && score.value !== null && (
        <Progress value={Math.max(0, Math.min(100, (score.value / top) * 100))} color={tone.info} size="sm" mb="xs" aria-label={`${scoreName(score, labels)}: ${valueText(score)} ${t.breakdown.of} ${num(top)}`} />
      )}
      <Table aria-label={`${t.breakdown.sections}: ${scoreName(score, labels)}`} withTableBorder={false}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t.breakdown.section}</Table.Th>
            <Table.Th ta="right">{t.breakdown.total}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {b.sections.map((s) => (
            <Table.Tr key={s.id}>
              <Table.Td>{humanise(s.id)}</Table.Td>
              <Table.Td ta="right">{s.min === s.max ? num(s.min) : `${num(s.min)}–${num(s.max)}`}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Table aria-label={`${t.breakdown.terms}: ${scoreName(score, labels)}`} mt="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t.breakdown.term}</Table.Th>
            <Table.Th>{t.breakdown.section}</Table.Th>
            <Table.Th ta="right">{t.breakdown.points}</Table.Th>
            <Table.Th ta="right">{t.breakdown.contribution}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {counted.map((x) => (
            <Table.Tr key={x.id} data-testid={`term-${score.id}-${x.id}`}>
              <Table.Td>
                <Text size="sm">{x.label.en ?? Object.values(x.label)[0] ?? x.id}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="xs">{x.section ? humanise(x.section) : "—"}</Text>
              </Table.Td>
              <Table.Td ta="right">{num(x.points)}</Table.Td>
              <Table.Td ta="right" fw={600}>
                {contributionText(x)}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {idle > 0 && (
        <Text size="xs" c="dimmed" mt={4}>
          {t.breakdown.idle(idle)}
        </Text>
      )}
    </Card>
  );
}

/** Every score of a result with its value, scale and level, and the itemised scores term by term and section by section. */
export function ScoreBreakdown({ scores, labels }: { scores: Score[]; labels: ScoreLabels }) {
  if (scores.length === 0) return null;
  return (
    <Stack gap="sm" data-testid="score-breakdown">
      <Title order={2}>{t.breakdown.title}</Title>
      <Table aria-label={t.breakdown.title}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t.breakdown.score}</Table.Th>
            <Table.Th ta="right">{t.breakdown.value}</Table.Th>
            <Table.Th ta="right">{t.breakdown.scale}</Table.Th>
            <Table.Th>{t.breakdown.level}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {scores.map((s) => (
            <Table.Tr key={s.id}>
              <Table.Td>{scoreName(s, labels)}</Table.Td>
              <Table.Td ta="right" fw={600}>
                {valueText(s)}
              </Table.Td>
              <Table.Td ta="right">{s.breakdown?.scale ? `${num(s.breakdown.scale.min)}–${num(s.breakdown.scale.max)}` : "—"}</Table.Td>
              <Table.Td>{bandName(s, labels) ?? "—"}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {scores.map((s) => (
        <ScoreCard key={s.id} score={s} labels={labels} />
      ))}
    </Stack>
  );
}
