import { Anchor, Badge, Card, List, Stack, Text, Title } from "@mantine/core";
import { focusQuestion } from "@/components/filler/QuestionnaireFiller";
import { holderText, titleOf } from "@/components/Obligations";
import { TierBadge } from "@/components/TierBadge";
import type { QDocument } from "@/lib/conditions/questionnaire";
import { t } from "@/lib/strings";
import type { EvaluationResult } from "../api/assessments";

function questionText(doc: QDocument, id: string): string {
  for (const s of doc.sections) for (const i of s.items) if (i.id === id) return i.text ?? id;
  return id;
}

/** The live result of a draft: tier only when decided, else what it waits for; what fired and why. */
export function PreviewPanel({ result, doc }: { result: EvaluationResult | undefined; doc: QDocument }) {
  if (!result) return <Text c="dimmed">{t.common.loading}</Text>;
  const waits = [...new Set(result.undetermined.flatMap((u) => u.waits_for))];
  const trace = new Map((result.trace ?? []).map((r) => [r.rule, r]));
  return (
    <Stack gap="sm" data-testid="preview">
      <Title order={2} size="h4">
        {t.preview.title}
      </Title>
      <Card withBorder padding="sm">
        <Text size="sm" fw={700}>
          {t.preview.tier}
        </Text>
        {result.final ? (
          <div data-testid="preview-tier" data-tier={result.tier}>
            <TierBadge tier={result.tier} size="lg" />
          </div>
        ) : (
          <div data-testid="preview-tier" data-tier="undetermined">
            <Text fw={600}>
              {t.preview.undetermined}, {t.preview.waitingFor}
            </Text>
            <List size="sm">
              {waits.slice(0, 12).map((id) => (
                <List.Item key={id}>
                  <Anchor component="button" type="button" size="sm" onClick={() => { focusQuestion(id); }} ta="left">
                    {questionText(doc, id)}
                  </Anchor>
                </List.Item>
              ))}
            </List>
            {waits.length > 12 && <Text size="xs">+{waits.length - 12}</Text>}
          </div>
        )}
      </Card>
      <Title order={3} size="h5">
        {t.preview.obligations} ({result.obligations.length})
      </Title>
      {result.obligations.length === 0 ? (
        <Text size="sm" c="dimmed">{t.preview.nothing}</Text>
      ) : (
        <List size="sm" spacing={4}>
          {result.obligations.map((o) => (
            <List.Item key={o.id}>
              {titleOf(o)} <Text span size="xs" c="dimmed">{o.ref}</Text>
              {o.holder && <Text span size="xs"> · {holderText(o.holder)}</Text>}
            </List.Item>
          ))}
        </List>
      )}
      <Title order={3} size="h5">
        {t.preview.controls} ({result.controls.length})
      </Title>
      {result.controls.length === 0 ? (
        <Text size="sm" c="dimmed">{t.preview.nothing}</Text>
      ) : (
        <List size="sm" spacing={4}>
          {result.controls.map((c) => (
            <List.Item key={c.id}>
              {titleOf(c)} <Text span size="xs" c="dimmed">{c.ref ?? c.id}</Text>
              {c.holder && <Text span size="xs"> · {holderText(c.holder)}</Text>}
            </List.Item>
          ))}
        </List>
      )}
      <Title order={3} size="h5">
        {t.preview.firedRules} ({result.fired.length})
      </Title>
      {result.fired.map((f) => {
        const read = trace.get(f.id)?.facts ?? [];
        return (
          <Card key={f.id} withBorder padding="xs" data-testid={`fired-${f.id}`}>
            <Text size="sm" fw={600}>
              {f.id} {f.tier && <TierBadge tier={f.tier} size="sm" />}
            </Text>
            <Text size="xs">{f.rationale.en ?? Object.values(f.rationale)[0]}</Text>
            {f.refs.map((r) => (
              <Badge key={r} variant="outline" color="gray.8" size="xs" tt="none" mr={4}>
                {r}
              </Badge>
            ))}
            {read.length > 0 && (
              <Text size="xs" mt={4}>
                {t.preview.answersRead}: {read.map((x) => `${questionText(doc, x.item)} = ${JSON.stringify(x.value ?? null)}`).join("; ")}
              </Text>
            )}
          </Card>
        );
      })}
    </Stack>
  );
}
