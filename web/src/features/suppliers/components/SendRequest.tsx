import { tone } from "@/lib/theme";
import { Alert, Button, Checkbox, Code, CopyButton, Group, Modal, NativeSelect, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { useState } from "react";
import { ProblemAlert } from "@/components/ProblemAlert";
import { t } from "@/lib/strings";
import { useQuestionnaires, useSendRequest, type SupplierProfile, type VendorRequestCreated } from "../api/suppliers";

function inDays(n: number): string {
  const d = new Date();
  d.setDate(d.getDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Send a vendor questionnaire to one of the supplier's contacts; the link is shown when no e-mail carried it. */
export function SendRequest({ supplier, opened, onClose }: { supplier: SupplierProfile; opened: boolean; onClose: () => void }) {
  const send = useSendRequest(supplier.id);
  const questionnaires = useQuestionnaires();
  const [contactId, setContactId] = useState(supplier.contacts[0]?.id ?? "");
  const [key, setKey] = useState("ai-supplier");
  const [productId, setProductId] = useState("");
  const [due, setDue] = useState(inDays(30));
  const [message, setMessage] = useState("");
  const [prefill, setPrefill] = useState(false);
  const [sent, setSent] = useState<VendorRequestCreated | null>(null);
  const close = () => {
    setSent(null);
    send.reset();
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title={t.suppliers.send} size="lg" closeButtonProps={{ "aria-label": t.common.cancel }}>
      {sent ? (
        <Stack data-testid="request-sent">
          <Alert color={tone.ok} variant="outline" title={t.suppliers.sentTitle}>
            <Text c="black" size="sm">
              {sent.delivery === "sent" ? t.suppliers.sentByMail(sent.recipient_email) : t.suppliers.sentNoMail(sent.recipient_email)}
            </Text>
          </Alert>
          {sent.link && (
            <>
              <Text size="sm" fw={600}>
                {t.suppliers.linkOnce}
              </Text>
              <Code block data-testid="invitation-link" style={{ whiteSpace: "pre-wrap", wordBreak: "break-all" }}>
                {sent.link}
              </Code>
              <CopyButton value={sent.link}>
                {({ copied, copy }) => (
                  <Button variant="default" size="xs" w="fit-content" onClick={copy}>
                    {copied ? t.suppliers.copied : t.suppliers.copy}
                  </Button>
                )}
              </CopyButton>
            </>
          )}
          <Group justify="flex-end">
            <Button onClick={close}>{t.suppliers.done}</Button>
          </Group>
        </Stack>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            send.mutate(
              {
                contact_id: contactId,
                questionnaire_key: key,
                due_date: due,
                message,
                prefill_from_last_accepted: prefill,
                ...(productId ? { product_id: productId } : {}),
              },
              { onSuccess: setSent },
            );
          }}
        >
          <Stack>
            {supplier.contacts.length === 0 && <Alert color={tone.bad} variant="outline">{t.suppliers.needContact}</Alert>}
            <NativeSelect
              label={t.suppliers.contact}
              value={contactId}
              onChange={(e) => { setContactId(e.currentTarget.value); }}
              data={supplier.contacts.map((c) => ({ value: c.id, label: `${c.name} <${c.email}>` }))}
              required
            />
            <NativeSelect
              label={t.system.questionnaire}
              value={key}
              onChange={(e) => { setKey(e.currentTarget.value); }}
              data={
                questionnaires.data
                  ? questionnaires.data.items.filter((q) => q.latest_version).map((q) => ({ value: q.key, label: `${q.title} (${q.key} ${q.latest_version ?? ""})` }))
                  : [{ value: "ai-supplier", label: "ai-supplier" }]
              }
            />
            <NativeSelect
              label={t.suppliers.product}
              value={productId}
              onChange={(e) => { setProductId(e.currentTarget.value); }}
              data={[{ value: "", label: t.suppliers.noProduct }, ...supplier.products.map((p) => ({ value: p.id, label: p.name }))]}
            />
            <TextInput type="date" label={t.system.due} value={due} min={inDays(0)} onChange={(e) => { setDue(e.currentTarget.value); }} required w={220} />
            <Textarea label={t.suppliers.message} value={message} onChange={(e) => { setMessage(e.currentTarget.value); }} autosize minRows={3} maxLength={4000} />
            <Checkbox label={t.suppliers.prefill} checked={prefill} onChange={(e) => { setPrefill(e.currentTarget.checked); }} />
            <ProblemAlert error={send.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                {t.common.cancel}
              </Button>
              <Button type="submit" loading={send.isPending} disabled={!contactId}>
                {t.suppliers.send}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
