import { tone } from "@/lib/theme";
import { Alert, Anchor, Badge, Button, Card, Checkbox, Code, Group, Radio, Stack, Table, Text, Textarea, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Link, useParams } from "react-router";
import { formatAnswer } from "@/components/filler/format";
import { ControlsTable, type ControlLike } from "@/components/Obligations";
import { PageLoader } from "@/components/PageLoader";
import { ProblemAlert } from "@/components/ProblemAlert";
import { TierBadge } from "@/components/TierBadge";
import { api, unwrap } from "@/lib/api/client";
import { compileQuestionnaire, settle, type QDocument } from "@/lib/conditions/questionnaire";
import { can, useMe } from "@/lib/session";
import { formatBytes, t } from "@/lib/strings";
import { downloadEvidence, useInvitationAction, useRequest, useReviewRequest, useSupplier, type VendorRequest } from "../api/suppliers";
import { REQUEST_STATUS_COLOR } from "../components/RequestsTable";

function useDocument(key: string | undefined, version: string | undefined) {
  return useQuery({
    queryKey: ["questionnaire", key ?? "", version ?? ""],
    queryFn: async () =>
      unwrap(await api.GET("/v1/questionnaires/{key}/versions/{version}", { params: { path: { key: key ?? "", version: version ?? "" } } })) as unknown as QDocument,
    enabled: !!key && !!version,
    staleTime: Infinity,
  });
}

type Decision = "accept" | "reject" | "request_clarification";

function Decide({ request, doc, clarify }: { request: VendorRequest & { etag: string }; doc: QDocument; clarify: Record<string, string> }) {
  const review = useReviewRequest(request.id);
  const [decision, setDecision] = useState<Decision>("accept");
  const [comment, setComment] = useState("");
  const asked = Object.entries(clarify).filter(([, v]) => v.trim());
  const textOf = (id: string) => doc.sections.flatMap((s) => s.items).find((i) => i.id === id)?.text ?? id;
  const needsComment = decision !== "accept";
  return (
    <Card withBorder data-testid="decide">
      <Title order={2} size="h3" mb="xs">
        {t.review.decide}
      </Title>
      <Radio.Group value={decision} onChange={setDecision} label={t.review.decide}>
        <Group mt="xs">
          <Radio value="accept" label={t.suppliers.accept} />
          <Radio value="request_clarification" label={t.suppliers.clarify} />
          <Radio value="reject" label={t.review.reject} />
        </Group>
      </Radio.Group>
      {decision === "request_clarification" && (
        <Text size="sm" mt="xs" data-testid="clarify-count">
          {asked.length === 0 ? t.suppliers.pickQuestions : t.suppliers.asking(asked.map(([id]) => textOf(id)).join("; "))}
        </Text>
      )}
      <Textarea
        mt="sm"
        label={t.review.comment}
        description={needsComment ? t.review.commentRequired : undefined}
        value={comment}
        onChange={(e) => { setComment(e.currentTarget.value); }}
        autosize
        minRows={2}
        maxLength={4000}
      />
      <ProblemAlert error={review.error} />
      <Button
        mt="sm"
        loading={review.isPending}
        disabled={(needsComment && !comment.trim()) || (decision === "request_clarification" && asked.length === 0)}
        onClick={() => {
          review.mutate({
            etag: request.etag,
            body: {
              decision,
              ...(comment.trim() ? { comment } : {}),
              ...(decision === "request_clarification" ? { item_comments: Object.fromEntries(asked) } : {}),
            },
          });
        }}
      >
        {decision === "accept" ? t.suppliers.accept : decision === "reject" ? t.review.reject : t.suppliers.sendClarification}
      </Button>
    </Card>
  );
}

/** Procurement's review of a supplier's answers: the evidence with its SHA-256, clarification on chosen questions, the decision. */
export function SupplierRequest() {
  const { requestId = "" } = useParams();
  const me = useMe();
  const request = useRequest(requestId);
  const r = request.data;
  const supplier = useSupplier(r?.supplier_id ?? "");
  const doc = useDocument(r?.questionnaire.key, r?.questionnaire.version);
  const invitation = useInvitationAction(requestId);
  const [clarify, setClarify] = useState<Record<string, string>>({});
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const visible = useMemo(() => (doc.data && r ? settle(compileQuestionnaire(doc.data), r.answers) : null), [doc.data, r]);
  if (request.error) return <ProblemAlert error={request.error} />;
  if (!r || !doc.data || !visible) return <PageLoader />;
  const d = doc.data;
  const procurement = can(me.data, "procurement");
  const deciding = procurement && r.status === "submitted";
  const evidenceFor = (id: string | null) => r.evidence.filter((e) => e.item_id === id);
  return (
    <Stack>
      <Anchor component={Link} to={`/suppliers/${r.supplier_id}`} size="sm">
        ← {supplier.data?.name ?? t.suppliers.title}
      </Anchor>
      <Group justify="space-between">
        <Title order={1}>
          {supplier.data?.name ?? ""} · {d.title}
        </Title>
        <Badge color={REQUEST_STATUS_COLOR[r.status] ?? "gray.7"} size="lg" data-testid="request-status" data-status={r.status}>
          {t.suppliers.statuses[r.status] ?? r.status}
        </Badge>
      </Group>
      <Text size="sm">
        {t.suppliers.recipient}: {r.recipient_email} · {t.system.due} {r.due_date} {r.overdue && <Badge color={tone.bad} size="sm">{t.systems.overdue}</Badge>} · {t.review.round} {r.round} ·{" "}
        {r.questionnaire.key} {r.questionnaire.version}
      </Text>
      <Card withBorder>
        <Group justify="space-between">
          <div>
            <Text fw={600}>{t.suppliers.derivedTier}</Text>
            <span data-testid="request-tier" data-tier={r.tier ?? "none"}>
              <TierBadge tier={r.tier} />
            </span>
          </div>
          {r.invitation && (
            <div>
              <Text size="sm">
                {t.suppliers.invitation}: <strong>{t.suppliers.invitationStates[r.invitation.state] ?? r.invitation.state}</strong> · {t.suppliers.expires}{" "}
                {r.invitation.expires_at.slice(0, 10)} · {r.invitation.first_opened_at ? t.suppliers.opened(r.invitation.first_opened_at.slice(0, 10)) : t.suppliers.notOpened}
              </Text>
              {procurement && !["accepted", "rejected"].includes(r.status) && (
                <Group gap="xs" mt="xs">
                  <Button size="xs" variant="default" loading={invitation.isPending} onClick={() => { invitation.mutate("resend"); }}>
                    {t.suppliers.resend}
                  </Button>
                  {r.invitation.state === "active" && (
                    <Button size="xs" color={tone.bad} variant="outline" loading={invitation.isPending} onClick={() => { invitation.mutate("revoke"); }}>
                      {t.suppliers.revoke}
                    </Button>
                  )}
                </Group>
              )}
            </div>
          )}
        </Group>
        {invitation.data?.link && (
          <Alert mt="sm" color={tone.info} variant="outline" title={t.suppliers.linkOnce}>
            <Code block data-testid="invitation-link" style={{ whiteSpace: "pre-wrap", wordBreak: "break-all" }}>
              {invitation.data.link}
            </Code>
          </Alert>
        )}
        <ProblemAlert error={invitation.error} />
      </Card>
      <Card withBorder>
        <Title order={2} size="h3" mb="xs">
          {t.portal.evidence}
        </Title>
        <ProblemAlert error={downloadError} />
        {r.evidence.length === 0 ? (
          <Text c="dimmed">{t.portal.noEvidence}</Text>
        ) : (
          <Table aria-label={t.portal.evidence}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t.suppliers.file}</Table.Th>
                <Table.Th>{t.filler.question}</Table.Th>
                <Table.Th>{t.suppliers.size}</Table.Th>
                <Table.Th>SHA-256</Table.Th>
                <Table.Th>{t.review.round}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {r.evidence.map((e) => (
                <Table.Tr key={e.id} data-testid={`evidence-row-${e.filename}`}>
                  <Table.Td>
                    <Anchor
                      component="button"
                      type="button"
                      onClick={() => {
                        setDownloadError(null);
                        downloadEvidence(r.id, e).catch(setDownloadError);
                      }}
                    >
                      {t.suppliers.download(e.filename)}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{e.item_id ? (d.sections.flatMap((s) => s.items).find((i) => i.id === e.item_id)?.text ?? e.item_id) : t.portal.wholeRequest}</Table.Td>
                  <Table.Td>{formatBytes(e.size_bytes)}</Table.Td>
                  <Table.Td>
                    <Code data-testid="sha256" style={{ wordBreak: "break-all" }}>
                      {e.sha256}
                    </Code>
                  </Table.Td>
                  <Table.Td>{e.round}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Card>
      <Title order={2} size="h3">
        {t.suppliers.answers}
      </Title>
      {d.sections.map((section) => {
        const items = section.items.filter((i) => i.type !== "display" && visible.items.get(i.id) === true);
        if (items.length === 0) return null;
        return (
          <Card withBorder key={section.id}>
            <Title order={3} size="h4" mb="xs">
              {section.title}
            </Title>
            <Stack gap="sm">
              {items.map((item) => {
                const asked = item.id in clarify;
                const previous = r.review_comments[item.id];
                return (
                  <div key={item.id} data-testid={`answer-${item.id}`}>
                    <Text size="sm" fw={600}>
                      {item.text}
                    </Text>
                    <Text size="sm">{formatAnswer(d, item, r.answers[item.id])}</Text>
                    {evidenceFor(item.id).map((e) => (
                      <Text size="xs" key={e.id} c="dimmed">
                        {t.suppliers.file}: {e.filename}
                      </Text>
                    ))}
                    {previous && (
                      <Text size="xs" c="dimmed">
                        {t.suppliers.askedBefore}: {previous}
                      </Text>
                    )}
                    {deciding && (
                      <>
                        <Checkbox
                          mt={4}
                          size="xs"
                          label={t.suppliers.askToClarify}
                          aria-label={`${t.suppliers.askToClarify}: ${item.text ?? item.id}`}
                          checked={asked}
                          onChange={(e) => {
                            const on = e.currentTarget.checked;
                            setClarify((c) => (on ? { ...c, [item.id]: "" } : Object.fromEntries(Object.entries(c).filter(([k]) => k !== item.id))));
                          }}
                        />
                        {asked && (
                          <Textarea
                            mt={4}
                            size="xs"
                            label={`${t.suppliers.whatUnclear}: ${item.text ?? item.id}`}
                            value={clarify[item.id]}
                            onChange={(e) => {
                              const v = e.currentTarget.value;
                              setClarify((c) => ({ ...c, [item.id]: v }));
                            }}
                            maxLength={2000}
                          />
                        )}
                      </>
                    )}
                  </div>
                );
              })}
            </Stack>
          </Card>
        );
      })}
      {r.tier && (
        <Card withBorder>
          <Title order={2} size="h3" mb="xs">
            {t.suppliers.contractControls}
          </Title>
          <ControlsTable controls={r.controls as unknown as ControlLike[]} />
        </Card>
      )}
      {deciding && <Decide request={r} doc={d} clarify={clarify} />}
      {!deciding && r.status !== "accepted" && r.status !== "rejected" && (
        <Text c="dimmed">{t.suppliers.waitingForSupplier}</Text>
      )}
    </Stack>
  );
}
