import { tone } from "@/lib/theme";
import { Alert, Badge, Button, Checkbox, Code, CopyButton, Group, Stack, Switch, Table, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { ProblemAlert } from "@/components/ProblemAlert";
import { t } from "@/lib/strings";
import {
  WEBHOOK_EVENTS,
  useCreateWebhook,
  useDeleteWebhook,
  useDeliveries,
  usePing,
  useRotateSecret,
  useSetWebhookEnabled,
  useWebhooks,
  type WebhookEvent,
} from "../api/webhooks";

function SecretOnce({ title, secret }: { title: string; secret: string }) {
  return (
    <Alert color={tone.ok} variant="outline" title={title} data-testid="webhook-secret">
      <Text size="sm">{t.admin.webhookSecretOnce}</Text>
      <Code block style={{ whiteSpace: "pre-wrap", wordBreak: "break-all" }}>
        {secret}
      </Code>
      <CopyButton value={secret}>
        {({ copied, copy }) => (
          <Button mt="xs" size="xs" variant="default" onClick={copy}>
            {copied ? t.suppliers.copied : t.admin.copySecret}
          </Button>
        )}
      </CopyButton>
    </Alert>
  );
}

function Deliveries({ hookId }: { hookId: string }) {
  const deliveries = useDeliveries(hookId);
  const items = deliveries.data ?? [];
  if (items.length === 0) return <Text size="sm">{t.admin.noDeliveries}</Text>;
  return (
    <Table aria-label={t.admin.deliveries} striped>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t.admin.when}</Table.Th>
          <Table.Th>{t.admin.webhookEvents}</Table.Th>
          <Table.Th>{t.system.status}</Table.Th>
          <Table.Th>{t.admin.attempts}</Table.Th>
          <Table.Th>{t.admin.lastError}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {items.map((d) => (
          <Table.Tr key={d.id}>
            <Table.Td>{d.created_at.slice(0, 19).replace("T", " ")}</Table.Td>
            <Table.Td>{d.event_type}</Table.Td>
            <Table.Td>
              <Badge size="sm" color={d.status === "sent" ? tone.ok : d.status === "dead" ? tone.bad : tone.neutral}>
                {d.status}
              </Badge>
            </Table.Td>
            <Table.Td>{d.attempts}</Table.Td>
            <Table.Td>{d.last_error ?? "—"}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** Webhook subscriptions: subscribe (the secret is shown once), enable, ping, rotate, delete. */
export function Webhooks() {
  const hooks = useWebhooks();
  const create = useCreateWebhook();
  const setEnabled = useSetWebhookEnabled();
  const remove = useDeleteWebhook();
  const rotate = useRotateSecret();
  const ping = usePing();
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [events, setEvents] = useState<string[]>(["assessment.approved"]);
  const [shown, setShown] = useState<string | null>(null);
  return (
    <Stack>
      <Title order={2} size="h3">
        {t.admin.newWebhook}
      </Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const event_types = WEBHOOK_EVENTS.filter((x: WebhookEvent) => events.includes(x));
          create.mutate({ url, event_types, description, enabled: true }, { onSuccess: () => { setUrl(""); setDescription(""); } });
        }}
      >
        <Stack gap="xs">
          <TextInput label={t.admin.webhookUrl} type="url" value={url} onChange={(e) => { setUrl(e.currentTarget.value); }} required w={480} />
          <TextInput label={t.admin.description} value={description} maxLength={500} onChange={(e) => { setDescription(e.currentTarget.value); }} w={480} />
          <Checkbox.Group label={t.admin.webhookEvents} value={events} onChange={setEvents}>
            <Group mt={4}>
              {WEBHOOK_EVENTS.map((x) => (
                <Checkbox key={x} value={x} label={x} />
              ))}
            </Group>
          </Checkbox.Group>
          <Button type="submit" w="fit-content" loading={create.isPending} disabled={events.length === 0}>
            {t.admin.subscribe}
          </Button>
        </Stack>
      </form>
      <ProblemAlert error={create.error ?? setEnabled.error ?? remove.error ?? rotate.error ?? ping.error} />
      {create.data && <SecretOnce title={t.admin.webhookCreated} secret={create.data.secret} />}
      {rotate.data && <SecretOnce title={t.admin.secretRotated} secret={rotate.data.secret} />}
      {(hooks.data ?? []).length === 0 && <Text size="sm">{t.admin.noWebhooks}</Text>}
      {(hooks.data ?? []).map((hook) => (
        <Stack key={hook.id} gap="xs" data-testid={`webhook-${hook.url}`}>
          <Group justify="space-between">
            <div>
              <Code>{hook.url}</Code>
              {hook.description && <Text size="sm">{hook.description}</Text>}
              <Text size="xs" c="dimmed">
                {hook.event_types.join(", ")}
              </Text>
            </div>
            <Group gap="xs">
              <Switch
                label={t.admin.enabled}
                aria-label={t.admin.enabledFor(hook.url)}
                checked={hook.enabled}
                onChange={(e) => { setEnabled.mutate({ hook, enabled: e.currentTarget.checked }); }}
              />
              <Button size="xs" variant="default" onClick={() => { ping.mutate(hook, { onSuccess: () => { setShown(hook.id); } }); }}>
                {t.admin.ping}
              </Button>
              <Button size="xs" variant="default" onClick={() => { setShown(shown === hook.id ? null : hook.id); }} aria-label={t.admin.showDeliveries(hook.url)}>
                {t.admin.deliveries}
              </Button>
              <Button size="xs" variant="outline" onClick={() => { if (window.confirm(t.admin.confirmRotate(hook.url))) rotate.mutate(hook); }}>
                {t.admin.rotate}
              </Button>
              <Button size="xs" color={tone.bad} variant="outline" onClick={() => { if (window.confirm(t.admin.confirmDeleteWebhook(hook.url))) remove.mutate(hook); }}>
                {t.admin.deleteWebhook}
              </Button>
            </Group>
          </Group>
          {shown === hook.id && <Deliveries hookId={hook.id} />}
        </Stack>
      ))}
    </Stack>
  );
}
