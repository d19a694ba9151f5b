import { tone } from "@/lib/theme";
import { Alert, Anchor, Button, Container, Group, List, Paper, Stack, Text, Title } from "@mantine/core";
import { useState, type ReactNode } from "react";
import { PageLoader } from "@/components/PageLoader";
import { ProblemAlert } from "@/components/ProblemAlert";
import { focusQuestion, QuestionnaireFiller } from "@/components/filler/QuestionnaireFiller";
import { ApiError } from "@/lib/api/client";
import type { QDocument } from "@/lib/conditions/questionnaire";
import { t } from "@/lib/strings";
import {
  freshRequest,
  knownOrganization,
  portalToken,
  savePortalAnswers,
  usePortalQuestionnaire,
  usePortalRequest,
  useSubmitPortal,
  type PortalRequest,
} from "../api/portal";
import { EvidencePanel } from "../components/EvidencePanel";

function Frame({ organization, children }: { organization?: string | null; children: ReactNode }) {
  return (
    <>
      <header>
        <Group px="md" h={56} justify="space-between" style={{ borderBottom: "1px solid var(--mantine-color-gray-3)" }}>
          <Text fw={700}>{t.portal.title}</Text>
          {organization && <Text size="sm">{t.portal.for(organization)}</Text>}
        </Group>
      </header>
      <main id="main">
        <Container size="xl" py="md">
          {children}
        </Container>
      </main>
    </>
  );
}

/** An unknown, expired or revoked link: what happened in words, and whom to ask. */
function DeadLink() {
  const organization = knownOrganization.get();
  return (
    <Frame organization={organization}>
      <Paper withBorder p="xl" maw={640} mx="auto" mt="xl" data-testid="dead-link">
        <Title order={1} size="h2" mb="md">
          {t.portal.deadTitle}
        </Title>
        <Text mb="sm">{t.portal.deadBody}</Text>
        <Text fw={600} mb="xs">
          {t.portal.deadWhom}
        </Text>
        <Text>{organization ? t.portal.deadContactOrg(organization) : t.portal.deadContact}</Text>
      </Paper>
    </Frame>
  );
}

function Outcome({ request }: { request: PortalRequest }) {
  if (request.status === "closed") {
    const accepted = request.outcome === "accepted";
    return (
      <Alert color={accepted ? tone.ok : tone.bad} variant="outline" title={accepted ? t.portal.acceptedTitle : t.portal.rejectedTitle} data-testid="outcome" data-outcome={request.outcome ?? ""}>
        <Text c="black">{accepted ? t.portal.acceptedBody(request.organization) : t.portal.rejectedBody(request.organization)}</Text>
      </Alert>
    );
  }
  if (request.status === "submitted") {
    return (
      <Alert color={tone.info} variant="outline" title={t.portal.submittedTitle} data-testid="outcome" data-outcome="submitted">
        <Text c="black">{t.portal.submittedBody(request.organization)}</Text>
      </Alert>
    );
  }
  return null;
}

function Clarifications({ request, doc }: { request: PortalRequest; doc: QDocument }) {
  const ids = Object.keys(request.review_comments);
  if (request.status !== "clarification_requested" || ids.length === 0) return null;
  const textOf = (id: string) => doc.sections.flatMap((s) => s.items).find((i) => i.id === id)?.text ?? id;
  return (
    <Alert color={tone.warn} variant="outline" title={t.portal.clarifyTitle} data-testid="clarifications">
      <Text c="black" size="sm" mb="xs">
        {t.portal.clarifyBody(request.organization)}
      </Text>
      <List size="sm">
        {ids.map((id) => (
          <List.Item key={id}>
            <Anchor href={`#q-${id}`} onClick={(e) => { e.preventDefault(); focusQuestion(id); }}>
              {textOf(id)}
            </Anchor>
            <Text size="sm" c="black">
              {request.review_comments[id]}
            </Text>
          </List.Item>
        ))}
      </List>
    </Alert>
  );
}

/** The page a supplier reaches through the invitation link: no account, the token is the key. */
export function SupplierPortal() {
  const [token] = useState(() => portalToken.adopt());
  const request = usePortalRequest(!!token);
  const questionnaire = usePortalQuestionnaire(!!token && !!request.data);
  const submit = useSubmitPortal();
  const [missing, setMissing] = useState<string[]>([]);

  if (!token) return <DeadLink />;
  const error = request.error ?? questionnaire.error;
  if (error instanceof ApiError && (error.status === 404 || error.status === 401)) return <DeadLink />;
  if (error) {
    return (
      <Frame organization={knownOrganization.get()}>
        <ProblemAlert error={error} />
        <Button mt="md" onClick={() => void request.refetch()}>
          {t.common.retry}
        </Button>
      </Frame>
    );
  }
  const r = request.data;
  const doc = questionnaire.data;
  if (!r || !doc) return <PageLoader />;
  const editable = !r.read_only;
  const textOf = (id: string) => doc.sections.flatMap((s) => s.items).find((i) => i.id === id)?.text ?? id;

  return (
    <Frame organization={r.organization}>
      <Stack gap="sm" mb="md">
        <Text size="sm" data-testid="portal-request">
          {t.portal.asks(r.organization, r.supplier)} · {t.portal.due} <strong>{r.due_date}</strong>
        </Text>
        {r.message && (
          <Paper withBorder p="sm">
            <Text size="sm" fw={600}>
              {t.portal.message(r.organization)}
            </Text>
            <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
              {r.message}
            </Text>
          </Paper>
        )}
        <Outcome request={r} />
        <Clarifications request={r} doc={doc} />
      </Stack>
      <QuestionnaireFiller
        // A new round (clarification asked) or a decision starts a fresh filler.
        key={`${String(r.round)}-${r.status}`}
        doc={doc}
        storageKey={`aas:portal:${r.questionnaire.key}:${r.recipient_email}:${String(r.round)}`}
        initialAnswers={r.answers}
        initialEtag={r.etag}
        save={savePortalAnswers}
        readOnly={!editable}
        comments={r.review_comments}
        side={<EvidencePanel doc={doc} evidence={r.evidence} round={r.round} editable={editable} />}
        footer={({ flush, hasPending, status }) =>
          editable && (
            <Stack mt="xl">
              {missing.length > 0 && (
                <Alert color={tone.bad} variant="outline" role="alert" title={t.filler.missing} data-testid="missing">
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
              <ProblemAlert error={submit.error} />
              <Button
                size="md"
                w="fit-content"
                loading={submit.isPending || status === "saving"}
                onClick={() => {
                  void (async () => {
                    await flush();
                    if (hasPending()) return;
                    const current = await freshRequest();
                    if (!current.progress.complete) {
                      setMissing(current.progress.missing_required);
                      return;
                    }
                    setMissing([]);
                    submit.mutate(current.etag, { onSuccess: () => { window.scrollTo(0, 0); } });
                  })();
                }}
              >
                {t.portal.submit}
              </Button>
            </Stack>
          )
        }
      />
    </Frame>
  );
}
