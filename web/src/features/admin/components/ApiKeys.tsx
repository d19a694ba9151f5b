import { tone } from "@/lib/theme";
import { Alert, Badge, Button, Checkbox, Code, CopyButton, Group, Stack, Switch, Table, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { ProblemAlert } from "@/components/ProblemAlert";
import { t } from "@/lib/strings";
import { SCOPES, useApiKeys, useCreateKey, useRevokeKey } from "../api/admin";

/** API keys: create (the secret is shown once), list, revoke. */
export function ApiKeys() {
  const [showRevoked, setShowRevoked] = useState(false);
  const keys = useApiKeys(showRevoked);
  const create = useCreateKey();
  const revoke = useRevokeKey();
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<string[]>(["read"]);
  return (
    <Stack>
      <Title order={2} size="h3">
        {t.admin.newKey}
      </Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ name, scopes: SCOPES.filter((x) => scopes.includes(x)), personal: false }, { onSuccess: () => { setName(""); } });
        }}
      >
        <Stack gap="xs">
          <TextInput label={t.admin.keyName} value={name} onChange={(e) => { setName(e.currentTarget.value); }} required w={320} />
          <Checkbox.Group label={t.admin.scopes} value={scopes} onChange={setScopes}>
            <Group mt={4}>
              {SCOPES.map((s) => (
                <Checkbox key={s} value={s} label={s} />
              ))}
            </Group>
          </Checkbox.Group>
          <Button type="submit" w="fit-content" loading={create.isPending} disabled={scopes.length === 0}>
            {t.admin.createKey}
          </Button>
        </Stack>
      </form>
      <ProblemAlert error={create.error ?? revoke.error} />
      {create.data && (
        <Alert color={tone.ok} variant="outline" title={t.admin.keyCreated(create.data.name)} data-testid="new-key">
          <Text size="sm">{t.admin.secretOnce}</Text>
          <Code block data-testid="key-secret" style={{ whiteSpace: "pre-wrap", wordBreak: "break-all" }}>
            {create.data.secret}
          </Code>
          <CopyButton value={create.data.secret}>
            {({ copied, copy }) => (
              <Button mt="xs" size="xs" variant="default" onClick={copy}>
                {copied ? t.suppliers.copied : t.admin.copySecret}
              </Button>
            )}
          </CopyButton>
        </Alert>
      )}
      <Switch label={t.admin.showRevoked} checked={showRevoked} onChange={(e) => { setShowRevoked(e.currentTarget.checked); }} />
      <Table aria-label={t.admin.keys} striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t.admin.keyName}</Table.Th>
            <Table.Th>{t.admin.prefix}</Table.Th>
            <Table.Th>{t.admin.scopes}</Table.Th>
            <Table.Th>{t.admin.lastUsed}</Table.Th>
            <Table.Th>{t.system.status}</Table.Th>
            <Table.Th>
              <span className="visually-hidden">{t.admin.actions}</span>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(keys.data ?? []).map((k) => (
            <Table.Tr key={k.id} data-testid={`key-row-${k.name}`}>
              <Table.Td>
                {k.name}
                {k.user_id && (
                  <Text size="xs" c="dimmed">
                    {t.admin.personal}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Code>{k.prefix}</Code>
              </Table.Td>
              <Table.Td>{k.scopes.join(", ")}</Table.Td>
              <Table.Td>{k.last_used_at?.slice(0, 16).replace("T", " ") ?? "—"}</Table.Td>
              <Table.Td>
                <Badge color={k.active ? tone.ok : tone.neutral} size="sm">
                  {k.active ? t.admin.active : t.admin.revoked}
                </Badge>
              </Table.Td>
              <Table.Td>
                {k.active && (
                  <Button
                    size="xs"
                    color={tone.bad}
                    variant="outline"
                    aria-label={t.admin.revokeKey(k.name)}
                    onClick={() => {
                      if (window.confirm(t.admin.confirmRevoke(k.name))) revoke.mutate(k.id);
                    }}
                  >
                    {t.admin.revoke}
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
