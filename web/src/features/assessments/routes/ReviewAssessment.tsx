import { tone } from "@/lib/theme";
import { Alert, Badge, Button, Card, Group, Radio, Stack, Text, Textarea, Title } from "@mantine/core";
import { useMemo, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { PageLoader } from "@/components/PageLoader";
import { ProblemAlert } from "@/components/ProblemAlert";
import { TierBadge } from "@/components/TierBadge";
import type { Schemas } from "@/lib/api/client";
import { formatAnswer } from "@/components/filler/format";
import { compileQuestionnaire, settle } from "@/lib/conditions/questionnaire";
import { t } from "@/lib/strings";
import { useAssessment, useQuestionnaireDocument, useReview, useRounds } from "../api/assessments";

/** A reviewer's screen: every answer with what changed since the previous round, comments per question, the decision. */
export function ReviewAssessment() {
  const { assessmentId = "" } = useParams();
  const navigate = useNavigate();
  const assessment = useAssessment(assessmentId);
  const rounds = useRounds(assessmentId);
  const a = assessment.data;
  const doc = useQuestionnaireDocument(a?.questionnaire.key, a?.questionnaire.version);
  const review = useReview(assessmentId);
  const [decision, setDecision] = useState<Schemas["Decision"]>("approve");
  const [comment, setComment] = useState("");
  const [itemComments, setItemComments] = useState<Record<string, string>>({});
  const program = useMemo(() => (doc.data ? compileQuestionnaire(doc.data) : null), [doc.data]);
  if (assessment.error) return <ProblemAlert error={assessment.error} />;
  if (!a || !doc.data || !program || !rounds.data) return <PageLoader />;
  const document = doc.data;
  const all = rounds.data;
  const current = all.at(-1);
  const previous = all.length > 1 ? all.at(-2) : undefined;
  const answers = current?.answers ?? a.answers;
  const visible = settle(program, answers);
  const needsComment = decision !== "approve";
  const filledComments = Object.fromEntries(Object.entries(itemComments).filter(([, v]) => v.trim()));
  return (
    <Stack>
      <Group justify="space-between">
        <div>
          <Title order={1}>{t.review.review}</Title>
          <Text c="dimmed">
            {document.title} · {t.review.round} {a.round} · {t.status[a.status] ?? a.status}
          </Text>
        </div>
        {current && <TierBadge tier={current.result.tier} size="lg" />}
      </Group>
      {a.status !== "submitted" && <Alert variant="default">{t.status[a.status] ?? a.status}</Alert>}
      {document.sections.map((section) => {
        const items = section.items.filter((i) => i.type !== "display" && visible.items.get(i.id) === true);
        if (items.length === 0) return null;
        return (
          <section key={section.id} aria-labelledby={`rs-${section.id}`}>
            <Title order={2} size="h3" id={`rs-${section.id}`} mb="xs">
              {section.title}
            </Title>
            <Stack gap="xs">
              {items.map((item) => {
                const value = answers[item.id];
                const before = previous?.answers[item.id];
                const changed = previous !== undefined && JSON.stringify(before ?? null) !== JSON.stringify(value ?? null);
                return (
                  <Card key={item.id} withBorder padding="sm" data-testid={`review-item-${item.id}`} data-changed={changed ? "true" : undefined}>
                    <Text size="sm" fw={600}>
                      {item.text}
                    </Text>
                    <Group gap="xs">
                      <Text size="sm">{formatAnswer(document, item, value)}</Text>
                      {changed && (
                        <Badge color={tone.warn} size="sm" variant="filled">
                          {t.review.changed}
                        </Badge>
                      )}
                    </Group>
                    {changed && (
                      <Text size="xs" c="dimmed">
                        {t.review.previous}: {formatAnswer(document, item, before)}
                      </Text>
                    )}
                    {previous?.item_comments[item.id] && (
                      <Text size="xs">
                        {t.filler.reviewComment}: {previous.item_comments[item.id]}
                      </Text>
                    )}
                    {a.status === "submitted" && (
                      <Textarea
                        mt={4}
                        size="xs"
                        autosize
                        label={t.review.itemComment}
                        aria-label={`${t.review.itemComment}: ${item.text ?? item.id}`}
                        value={itemComments[item.id] ?? ""}
                        onChange={(e) => {
                          const v = e.currentTarget.value;
                          setItemComments((c) => ({ ...c, [item.id]: v }));
                        }}
                      />
                    )}
                  </Card>
                );
              })}
            </Stack>
          </section>
        );
      })}
      {a.status === "submitted" && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            review.mutate(
              {
                etag: a.etag,
                body: { decision, comment: comment.trim() || null, item_comments: decision === "request_changes" ? filledComments : {} },
              },
              { onSuccess: () => void navigate("/reviews") },
            );
          }}
        >
          <Card withBorder>
            <Stack>
              <Radio.Group label={t.review.decide} value={decision} onChange={(v) => { setDecision(v); }}>
                <Group mt="xs">
                  <Radio value="approve" label={t.review.approve} />
                  <Radio value="request_changes" label={t.review.requestChanges} />
                  <Radio value="reject" label={t.review.reject} />
                </Group>
              </Radio.Group>
              <Textarea label={t.review.comment} required={needsComment} description={needsComment ? t.review.commentRequired : undefined} value={comment} onChange={(e) => { setComment(e.currentTarget.value); }} />
              <ProblemAlert error={review.error} />
              <Button type="submit" w="fit-content" loading={review.isPending}>
                {decision === "approve" ? t.review.approve : decision === "reject" ? t.review.reject : t.review.requestChanges}
              </Button>
            </Stack>
          </Card>
        </form>
      )}
    </Stack>
  );
}
