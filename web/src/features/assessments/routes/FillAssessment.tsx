import { Alert, Anchor, Button, List, Stack, Text } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Navigate, useNavigate, useParams } from "react-router";
import { PageLoader } from "@/components/PageLoader";
import { ProblemAlert } from "@/components/ProblemAlert";
import { focusQuestion, QuestionnaireFiller } from "@/components/filler/QuestionnaireFiller";
import { api, unwrap } from "@/lib/api/client";
import { keys } from "@/lib/api/keys";
import { t } from "@/lib/strings";
import { saveAnswers, useAssessment, usePreview, useQuestionnaireDocument, useSubmit } from "../api/assessments";
import { PreviewPanel } from "../components/PreviewPanel";

/** This tab's id: it survives a reload, so a tab gets back its own unsaved answers, never another tab's. */
function tabId(): string {
  let id = sessionStorage.getItem("aas:tab");
  if (!id) {
    id = crypto.randomUUID().slice(0, 8);
    sessionStorage.setItem("aas:tab", id);
  }
  return id;
}

export function FillAssessment() {
  const { assessmentId = "" } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const assessment = useAssessment(assessmentId);
  const a = assessment.data;
  const doc = useQuestionnaireDocument(a?.questionnaire.key, a?.questionnaire.version);
  const preview = usePreview(assessmentId, a?.status === "draft");
  const submit = useSubmit(assessmentId);
  const [missing, setMissing] = useState<string[]>([]);
  const save = useMemo(() => saveAnswers(assessmentId), [assessmentId]);
  if (assessment.error) return <ProblemAlert error={assessment.error} />;
  if (!a || !doc.data) return <PageLoader />;
  if (a.status !== "draft") return <Navigate to={`/assessments/${a.id}`} replace />;
  const document = doc.data;
  const textOf = (id: string) => document.sections.flatMap((s) => s.items).find((i) => i.id === id)?.text ?? id;
  return (
    <QuestionnaireFiller
      // A new server revision from elsewhere (e.g. a reviewer's round) starts a fresh filler.
      key={`${a.id}-${String(a.round)}`}
      doc={document}
      storageKey={`aas:draft:${a.id}:${tabId()}`}
      initialAnswers={a.answers}
      initialEtag={a.etag}
      save={save}
      onSaved={() => void queryClient.invalidateQueries({ queryKey: keys.preview(assessmentId) })}
      comments={a.review_comments}
      side={<PreviewPanel result={preview.data?.result} doc={document} />}
      footer={({ flush, hasPending, status }) => (
        <Stack mt="xl">
          {missing.length > 0 && (
            <Alert color="red" role="alert" title={t.filler.missing} data-testid="missing">
              <List size="sm">
                {missing.map((id) => (
                  <List.Item key={id}>
                    <Anchor href={`#q-${id}`} onClick={(e) => { e.preventDefault(); focusQuestion(id); }}>
                      {textOf(id)}
                    </Anchor>
                  </List.Item>
                ))}
              </List>
            </Alert>
          )}
          <ProblemAlert error={submit.error && !missing.length ? submit.error : null} />
          <Button
            size="md"
            w="fit-content"
            loading={submit.isPending || status === "saving"}
            onClick={() => {
              void (async () => {
                await flush();
                if (hasPending()) return;
                const fresh = await api.GET("/v1/assessments/{assessment_id}", { params: { path: { assessment_id: a.id } } });
                const current = unwrap(fresh);
                if (!current.progress.complete) {
                  setMissing(current.progress.missing_required);
                  return;
                }
                setMissing([]);
                submit.mutate(fresh.response.headers.get("ETag") ?? `"r${String(current.revision)}"`, {
                  onSuccess: () => void navigate(`/assessments/${a.id}`),
                });
              })();
            }}
          >
            {t.filler.submit}
          </Button>
          <Text size="xs" c="dimmed">
            {a.questionnaire.key} {a.questionnaire.version} · {t.review.round} {a.round}
          </Text>
        </Stack>
      )}
    />
  );
}
